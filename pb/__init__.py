"""pb: participatory budgeting for double devolution.

`pb.create_app(config)` builds the web app (see pb/app.py). The pure cores, `pb.counting` and
`pb.audit`, import nothing from Flask or SQLAlchemy, so this package file imports nothing either.
"""


def create_app(config: dict | None = None):
    from pb.app import create_app as build

    return build(config)
