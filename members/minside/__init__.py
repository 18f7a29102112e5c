"""Min side (/min-side/): the member's own pages and self-service: profile, preferences,
orders, payments, "Mine data", resignation and the activation of a login."""
