"""The app as gunicorn serves it in bench/load_voting.py, plus one bare endpoint: POST /bench/insert
writes one row and commits, the ceiling a request that writes can reach on this machine and server.

    gunicorn -w 4 'bench.load_app:app'   (DATABASE_URL and PB_BENCH_INSTANCE in the environment)
"""
import os

from sqlalchemy import text

from pb import create_app
from pb.access import public
from pb.extensions import csrf, db

app = create_app({"INSTANCE_PATH": os.environ["PB_BENCH_INSTANCE"]})


@app.post("/bench/insert")
@csrf.exempt
@public
def bench_insert():
    db.session.execute(text("INSERT INTO bench_ceiling (note) VALUES (:note)"), {"note": "one row"})
    db.session.commit()
    return "ok\n"
