"""Upload storage backends: the local folder, and S3 through boto3 against moto's S3 server started
locally (the real client code over HTTP), including a claim document uploaded and read back."""

from __future__ import annotations

import io

import boto3
import pytest
from moto.server import ThreadedMotoServer

from app.extensions import db as _db
from app.models import ClaimDocument, OrgLevel, Role
from app.services.mp_claims import load_default_requirements
from app.services.storage import LocalStorage, S3Storage, StorageError, check_key, new_key, storage
from tests import factories as f
from tests.fakes.plugin import messaging_config
from tests.test_mp_claims import JPEG, PDF

BUCKET = "baoyun-uploads"


@pytest.fixture(scope="module")
def s3_server():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3(app, s3_server):
    client = boto3.client("s3", endpoint_url=s3_server, region_name="us-east-1", aws_access_key_id="testing",
                          aws_secret_access_key="testing")
    client.create_bucket(Bucket=BUCKET)
    settings = dict(STORAGE_BACKEND="s3", S3_ENDPOINT_URL=s3_server, S3_BUCKET=BUCKET, S3_REGION="us-east-1",
                    S3_ACCESS_KEY_ID="testing", S3_SECRET_ACCESS_KEY="testing", S3_PREFIX="prod")
    with messaging_config(app, **settings):
        yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def test_generated_keys_are_random_and_nothing_else_is_a_key():
    first, second = new_key("claims/7", "jpg"), new_key("claims/7", "jpg")
    assert first != second and first.startswith("claims/7/") and first.endswith(".jpg")
    for bad in ("../etc/passwd", "claims/7/../../x.jpg", "/abs/0123456789abcdef0123456789abcdef.jpg",
                "claims/7/photo.jpg", "claims/7/0123456789abcdef0123456789abcdef.jpg/../x"):
        with pytest.raises(ValueError):
            check_key(bad)


def test_local_storage_round_trip(tmp_path):
    backend = LocalStorage(tmp_path)
    key = new_key("claims/1", "pdf")
    backend.put(key, PDF, "application/pdf")
    assert (tmp_path / key).read_bytes() == PDF
    assert b"".join(backend.open(key)) == PDF
    assert [p.name for p in (tmp_path / "claims" / "1").iterdir()] == [key.rsplit("/", 1)[1]]  # no temp left
    backend.delete(key)
    with pytest.raises(StorageError):
        backend.open(key)


def test_s3_storage_round_trip_against_the_moto_server(app, s3):
    backend = storage()
    assert isinstance(backend, S3Storage)
    key = new_key("claims/3", "jpg")
    backend.put(key, JPEG, "image/jpeg")
    stored = s3.get_object(Bucket=BUCKET, Key=f"prod/{key}")
    assert stored["Body"].read() == JPEG and stored["ContentType"] == "image/jpeg"
    assert b"".join(backend.open(key)) == JPEG
    backend.delete(key)
    with pytest.raises(StorageError):
        backend.open(key)


def test_s3_unreachable_is_a_storage_error(app):
    with messaging_config(app, STORAGE_BACKEND="s3", S3_ENDPOINT_URL="http://127.0.0.1:9", S3_BUCKET="x",
                          S3_ACCESS_KEY_ID="a", S3_SECRET_ACCESS_KEY="b", HTTP_TIMEOUT_SECONDS=1):
        with pytest.raises(StorageError):
            storage().put(new_key("claims/1", "jpg"), JPEG, "image/jpeg")


def test_a_claim_document_goes_to_s3_and_streams_back(client, db, s3):
    load_default_requirements()
    company = f.org_unit(OrgLevel.company)
    agent = f.staff(Role.agent, team=f.team(f.org_unit(OrgLevel.branch, company)))
    me = f.customer(agent=agent)
    claim = f.claim(f.policy(customer=me, agent=agent))
    _db.session.commit()
    headers = f.customer_token(me)
    resp = client.post(f"/api/mp/claims/{claim.id}/documents", headers=headers, content_type="multipart/form-data",
                       data={"kind": "driving_licence", "file": (io.BytesIO(JPEG), "licence.jpg")})
    assert resp.status_code == 201, resp.get_json()
    doc = _db.session.get(ClaimDocument, resp.get_json()["id"])
    keys = [item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET)["Contents"]]
    assert keys == [f"prod/{doc.storage_key}"]
    file = client.get(f"/api/mp/claims/{claim.id}/documents/{doc.id}", headers=headers)
    assert file.status_code == 200 and file.data == JPEG


def test_a_storage_outage_refuses_the_upload_cleanly(client, app, db):
    load_default_requirements()
    company = f.org_unit(OrgLevel.company)
    agent = f.staff(Role.agent, team=f.team(f.org_unit(OrgLevel.branch, company)))
    me = f.customer(agent=agent)
    claim = f.claim(f.policy(customer=me, agent=agent))
    _db.session.commit()
    with messaging_config(app, STORAGE_BACKEND="s3", S3_ENDPOINT_URL="http://127.0.0.1:9", S3_BUCKET="x",
                          S3_ACCESS_KEY_ID="a", S3_SECRET_ACCESS_KEY="b", HTTP_TIMEOUT_SECONDS=1):
        resp = client.post(f"/api/mp/claims/{claim.id}/documents", headers=f.customer_token(me),
                           content_type="multipart/form-data",
                           data={"kind": "driving_licence", "file": (io.BytesIO(JPEG), "licence.jpg")})
    assert resp.status_code == 503 and resp.get_json()["code"] == "storage_unavailable"
    assert _db.session.query(ClaimDocument).count() == 0
