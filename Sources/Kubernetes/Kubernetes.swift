// The Kubernetes module; see README.md for what it will hold.
