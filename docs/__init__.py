"""The documentation, shipped in the wheel as package data (`holdspace relay docs`)."""
