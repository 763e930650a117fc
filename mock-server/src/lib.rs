//! Emulator of the Voice Agent API.
