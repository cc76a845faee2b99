"""Staff screens that act across apps (orders, editing, and later returns); sits above them."""
