//! Static checker (filled in below).
