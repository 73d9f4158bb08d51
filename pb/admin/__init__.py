"""Platform admins: neighbourhoods, areas and roles."""
