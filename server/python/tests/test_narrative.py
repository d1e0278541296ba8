"""The client's own logic, against a stand-in server (no kernel, no narrative server needed)."""

import hashlib
import json
import os
import socketserver
import tempfile
import threading
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import narrative
from narrative import _cell, _credentials, _http
from narrative._client import _object_path
from narrative._errors import problem_from

CONTENT = b"@r1\nACGT\n+\nIIII\n"
SHA = hashlib.sha256(CONTENT).hexdigest()
READS = {"ref": "4/1/2", "wsid": 4, "objid": 1, "ver": 2, "name": "reads", "type": "Genomics.Reads-1.0", "savedBy": "alice", "savedAt": "2024-01-01T00:00:00.000Z",
         "size": 16, "data": {"format": "fastq"}, "files": [{"name": "reads.fastq", "sha256": SHA, "size": len(CONTENT)}], "provenance": {"kind": "upload"}}


class StandIn(BaseHTTPRequestHandler):
    seen: list = []

    def log_message(self, *args):
        pass

    def _answer(self, status, payload, content_type="application/json"):
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        StandIn.seen.append(("GET", self.path, self.headers.get("Authorization")))
        if self.path == "/api/v1/objects/4/reads":
            return self._answer(200, READS)
        if self.path == "/api/v1/objects/4/1/files/reads.fastq?ver=2":
            return self._answer(200, CONTENT, "application/octet-stream")
        if self.path.startswith("/api/v1/workspaces/4/objects"):
            items = [dict(READS), {**READS, "ref": "4/2/1", "name": "narrative", "type": "Narrative.Narrative-1.0"}]
            return self._answer(200, {"items": items, "total": 2, "offset": 0, "limit": 1000})
        if self.path == "/api/v1/objects/9/1":
            return self.send_redirect()
        self._answer(404, {"type": "about:blank", "title": "Not found", "status": 404, "detail": "Workspace 4 has no object nope."}, "application/problem+json")

    def send_redirect(self):
        self.send_response(302)
        self.send_header("Location", "http://elsewhere.invalid/")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        StandIn.seen.append(("POST", self.path, body))
        if self.path == "/api/v1/blobs":
            return self._answer(201, {"sha256": hashlib.sha256(body).hexdigest(), "size": len(body)})
        saved = json.loads(body)
        if saved["data"].get("title") is None:
            errors = [{"path": "/data", "message": "must have required property 'title'"}]
            return self._answer(422, {"title": "Invalid content", "status": 422, "detail": "Not a valid Report.Report-1.0: /data must have required property 'title'", "errors": errors}, "application/problem+json")
        self._answer(201, {**READS, "ref": "4/3/1", "name": saved["name"]})


class ClientTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = ThreadingHTTPServer(("127.0.0.1", 0), StandIn)
        threading.Thread(target=cls.server.serve_forever, daemon=True).start()
        cls.dir = tempfile.mkdtemp()
        cls.creds = os.path.join(cls.dir, "kernel.json")
        with open(cls.creds, "w") as f:
            json.dump({"url": f"http://127.0.0.1:{cls.server.server_port}", "token": "nrt_test", "narrative": 7, "workspace": 4, "kernel": "k", "expires": "2999-01-01T00:00:00.000Z"}, f)
        os.environ["TMPDIR"] = cls.dir
        tempfile.tempdir = None
        cls.client = narrative.Client(cls.creds)

    @classmethod
    def tearDownClass(cls):
        cls.server.shutdown()
        cls.server.server_close()

    def test_gets_an_object_by_name_in_the_narratives_workspace_with_its_files(self):
        reads = self.client.get("reads")
        self.assertEqual((reads.ref, reads.type, reads.data), ("4/1/2", "Genomics.Reads-1.0", {"format": "fastq"}))
        path = reads.files[0].path()
        self.assertTrue(path.startswith(self.dir))
        with open(path, "rb") as f:
            self.assertEqual(f.read(), CONTENT)
        with reads.file("reads.fastq").open("r") as stream:
            self.assertEqual(stream.read(), CONTENT.decode())
        self.assertIn(("GET", "/api/v1/objects/4/reads", "Bearer nrt_test"), StandIn.seen)

    def test_lists_the_narratives_objects_without_the_notebook(self):
        self.assertEqual([o.name for o in self.client.objects()], ["reads"])

    def test_saves_with_files_and_the_code_claim(self):
        data = os.path.join(self.dir, "lengths.tsv")
        with open(data, "w") as f:
            f.write("c1\t100\n")
        ref = self.client.save("lengths", "Report.Report-1.0", {"title": "Lengths"}, files=[data])
        self.assertEqual(ref, "4/3/1")
        body = json.loads([s for s in StandIn.seen if s[:2] == ("POST", "/api/v1/workspaces/4/objects")][-1][2])
        self.assertEqual(body["files"], [{"name": "lengths.tsv", "sha256": hashlib.sha256(b"c1\t100\n").hexdigest()}])
        self.assertEqual(set(body["code"]), {"cell", "source"})

    def test_a_refusal_is_a_narrative_error_with_the_servers_words(self):
        with self.assertRaises(narrative.NarrativeError) as caught:
            self.client.save("bad", "Report.Report-1.0", {"no_title": 1})
        self.assertEqual(caught.exception.status, 422)
        self.assertIn("must have required property 'title'", str(caught.exception))
        chained = caught.exception.__cause__ or (None if caught.exception.__suppress_context__ else caught.exception.__context__)
        self.assertIsNone(chained, "no HTTP library traceback chained on")
        with self.assertRaises(narrative.NarrativeError) as missing:
            self.client.get("nope")
        self.assertEqual(str(missing.exception), "404 Not found: Workspace 4 has no object nope.")

    def test_never_follows_a_redirect_with_the_token(self):
        with self.assertRaises(narrative.NarrativeError) as caught:
            self.client.get("9/1")
        self.assertEqual(caught.exception.status, 302)
        self.assertFalse(any(s[1].startswith("http://elsewhere") for s in StandIn.seen))


class UnixSocketTest(unittest.TestCase):
    """A kernel in an image without a network reaches the server through the socket beside its connection file."""

    def test_prefers_the_api_socket_beside_the_connection_file(self):
        with tempfile.TemporaryDirectory() as d:
            class UnixStandIn(StandIn):
                def address_string(self):
                    return "unix"

            server = socketserver.ThreadingUnixStreamServer(os.path.join(d, "narrative-api.sock"), UnixStandIn)
            threading.Thread(target=server.serve_forever, daemon=True).start()
            creds = os.path.join(d, "creds.json")
            with open(creds, "w") as f:
                # Nothing listens at the address: only the socket can answer.
                json.dump({"url": "http://127.0.0.1:9", "token": "nrt_unix", "narrative": 7, "workspace": 4, "expires": "2999-01-01T00:00:00Z", "socket": "narrative-api.sock"}, f)
            real = _credentials.connection_file
            _credentials.connection_file = lambda: os.path.join(d, "kernel-00000000-0000-0000-0000-000000000000.json")
            try:
                self.assertEqual(narrative.Client(creds).get("reads").ref, "4/1/2")
                self.assertIn(("GET", "/api/v1/objects/4/reads", "Bearer nrt_unix"), StandIn.seen)
            finally:
                _credentials.connection_file = real
                server.shutdown()
                server.server_close()


class LogicTest(unittest.TestCase):
    def test_object_paths_by_name_or_ref(self):
        self.assertEqual(_object_path("reads", 4), "/objects/4/reads")
        self.assertEqual(_object_path("1/2/3", 4), "/objects/1/2/3")
        self.assertEqual(_object_path("myws/a b", 4), "/objects/myws/a%20b")
        for bad in ["", "1//2", "1/2/3/4"]:
            with self.assertRaises(narrative.NarrativeError):
                _object_path(bad, 4)

    def test_the_code_claim_from_an_execute_request(self):
        request = {"header": {"msg_type": "execute_request"}, "metadata": {"cellId": "c-1"}, "content": {"code": "x = 1"}}
        self.assertEqual(_cell.claim_of(request), {"cell": "c-1", "source": "x = 1"})
        self.assertEqual(_cell.claim_of(None), {"cell": None, "source": None})
        self.assertEqual(_cell.claim_of({"header": {"msg_type": "comm_msg"}, "content": {"code": "x"}}), {"cell": None, "source": None})
        self.assertEqual(_cell.claim_of({"header": {"msg_type": "execute_request"}, "metadata": {"cellId": "a\nb"}, "content": {}}), {"cell": None, "source": None})
        self.assertEqual(len(_cell.claim_of({"header": {"msg_type": "execute_request"}, "content": {"code": "x" * (_cell.SOURCE_MAX + 5)}})["source"]), _cell.SOURCE_MAX)

    def test_data_must_be_json_arrays_and_scalars_with_tolist_are(self):
        class Scalar:
            def tolist(self):
                return 3
        self.assertEqual(json.loads(json.dumps({"n": Scalar()}, default=_http._plain)), {"n": 3})
        with self.assertRaises(narrative.NarrativeError) as caught:
            _http.send_json("http://127.0.0.1:9", "t", "POST", "/x", payload={"when": object()})
        self.assertIn("must be JSON", str(caught.exception))
        with self.assertRaises(narrative.NarrativeError):
            _http.send_json("http://127.0.0.1:9", "t", "POST", "/x", payload={"x": float("nan")})

    def test_the_kernel_id_from_its_connection_file_name(self):
        kid = "1258fb15-2bd5-46e6-ad72-79ea6f200bfc"
        real = _credentials.connection_file
        try:
            for name, want in [(f"/r/kernel-{kid}.json", kid), (f"/run/kernel-{kid}.in-image.json", kid), ("/r/kernel-x.json", None), (f"/r/other-{kid}.json", None)]:
                _credentials.connection_file = lambda name=name: name
                self.assertEqual(_credentials.kernel_id(), want, name)
        finally:
            _credentials.connection_file = real

    def test_problem_detail_without_json(self):
        self.assertEqual(str(problem_from(502, "Bad Gateway", b"upstream down")), "502 Bad Gateway: upstream down")

    def test_credentials_missing_or_expired(self):
        with tempfile.TemporaryDirectory() as d:
            with self.assertRaises(narrative.NarrativeError) as missing:
                _credentials.load(os.path.join(d, "none.json"))
            self.assertIn("not started for a narrative", str(missing.exception))
            old = os.path.join(d, "old.json")
            with open(old, "w") as f:
                json.dump({"url": "http://x", "token": "t", "narrative": 1, "workspace": 1, "expires": "2000-01-01T00:00:00.000Z"}, f)
            with self.assertRaises(narrative.NarrativeError) as expired:
                _credentials.load(old)
            self.assertIn("expired", str(expired.exception))


if __name__ == "__main__":
    unittest.main()
