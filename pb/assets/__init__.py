"""Community assets: the places a neighbourhood wants to keep, their listing as assets of community
value, the Right to Bid's deadlines, and community bids."""
