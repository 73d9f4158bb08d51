"""One following system: pb.following.services (follow, unfollow, tell, and the registry of what
can be followed), its model, and the one unsubscribe page (views)."""
