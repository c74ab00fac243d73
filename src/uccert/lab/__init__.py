"""The lab: a simulated CUCM + IM/P cluster on loopback. It imports nothing of the client side."""
