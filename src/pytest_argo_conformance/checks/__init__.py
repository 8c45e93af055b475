"""What the suites' checks compute, kept out of the test files so that those read as sentences."""
