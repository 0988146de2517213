// The Registry module; see README.md for what it will hold.
