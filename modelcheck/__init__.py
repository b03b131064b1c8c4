"""mcheck: write a thread protocol once, get a proof that it holds or its shortest failure."""

__version__ = "0.1.0"
