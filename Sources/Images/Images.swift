// The Images module; see README.md for what it will hold.
