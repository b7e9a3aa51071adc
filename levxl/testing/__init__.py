"""Test harnesses shipped with levxl: a headless LibreOffice driver and generated sample books."""
