"""Stateless nodes on shared storage (docs/deploy.md, "Files"): two web nodes and a worker, each
with its own local folder, share an S3-compatible bucket (moto's server, started here). An export
asked for on node A and built by the worker downloads from node B."""

import csv
import io

import boto3
import pytest
from moto.server import ThreadedMotoServer

from tests.factories import UserFactory, grant, make_merchant, make_transaction
from tests.net import free_port
from tests.servers import Serve, production_env, session_cookie
from tests.waiting import wait_until
from tests.workers import start_worker, stop_worker
from transactions.models import ExportStatus, TransactionExport

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

BUCKET = "gestion-files"


@pytest.fixture
def s3_server():
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    credentials = {"aws_access_key_id": "test-key", "aws_secret_access_key": "test-secret"}
    client = boto3.client("s3", endpoint_url=endpoint, region_name="eu-west-3", **credentials)
    client.create_bucket(
        Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-3"}
    )
    try:
        yield endpoint, client
    finally:
        server.stop()


def files_under(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def test_an_export_built_by_the_worker_downloads_from_the_other_web_node(
    transactional_db, tmp_path, static_root, s3_server
):
    endpoint, s3 = s3_server
    shared = {
        "GESTION_S3_BUCKET": BUCKET,
        "GESTION_S3_ENDPOINT_URL": endpoint,
        "GESTION_S3_REGION": "eu-west-3",
        "AWS_ACCESS_KEY_ID": "test-key",
        "AWS_SECRET_ACCESS_KEY": "test-secret",
        # Above 5 rows an export is built in the background.
        "GESTION_EXPORT_SYNC_MAX": "5",
    }
    media = {name: tmp_path / f"media-{name}" for name in ("a", "b", "worker")}
    for folder in media.values():
        folder.mkdir()

    mine, other = make_merchant(), make_merchant()
    user = UserFactory(username="two-nodes", email="two-nodes@shop.test", language="en")
    grant(user, "CONSULTER", merchant=mine)
    wanted = {make_transaction(mine).transaction_id for _ in range(12)}
    make_transaction(other)
    browser = {"Cookie": session_cookie(user), "X-Forwarded-Proto": "https"}

    def node(name):
        env = production_env(
            GESTION_STATIC_ROOT=str(static_root), GESTION_MEDIA_ROOT=str(media[name]), **shared
        )
        return Serve(log=tmp_path / f"node-{name}.log", env=env)

    worker = start_worker(env={**shared, "GESTION_MEDIA_ROOT": str(media["worker"])})
    node_a = node_b = None
    try:
        node_a, node_b = node("a"), node("b")
        status, headers, body = node_a.get("/transactions/export.csv", browser)
        assert status == 302, (headers, body[:2000])
        export = TransactionExport.objects.get(owner=user)
        assert headers["Location"] == f"/transactions/exports/{export.pk}/"

        def finished():
            export.refresh_from_db()
            return export.status in (ExportStatus.DONE, ExportStatus.FAILED)

        wait_until(finished, what="the export built by the worker")
        assert export.status == ExportStatus.DONE

        status, headers, body = node_b.get(f"/transactions/exports/{export.pk}/download/", browser)
    finally:
        for server in (node_a, node_b):
            if server is not None:
                server.stop()
        stop_worker(worker)

    assert status == 200, body[:2000]
    assert headers["Content-Disposition"] == (
        f'attachment; filename="transactions-{export.pk}.csv"'
    )
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert {row[1] for row in rows[1:]} == wanted
    assert {row[0] for row in rows[1:]} == {mine.merchant_id}
    # The file is in the bucket, and on no node's own disk.
    keys = [item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]
    assert keys == [export.file.name]
    assert all(files_under(folder) == [] for folder in media.values())
