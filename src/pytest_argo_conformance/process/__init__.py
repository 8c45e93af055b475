"""What concerns the whole process: its signals."""
