"""Plans in -> `promtool test rules` files out, with the synthetic series that drive them."""
