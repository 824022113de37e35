"""What a careless or hostile client sends at the edge of the app: odd numbers, foreign or
missing hosts, bodies past the limit. Always a 4xx problem, never a 500 or a redirect away."""

import io

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.api.test_problems import assert_problem

NOT_INTEGERS = ["--1", "+1", " 1", "1 ", "1e3", "1.0", "0x10", "\u00b2", "\u0661", "1_000", "-"]
HUGE = ["9" * 13, "-" + "9" * 13, "9" * 400]


@pytest.mark.parametrize("name", ["page", "per_page", "min_price", "max_price"])
@pytest.mark.parametrize("value", NOT_INTEGERS + HUGE)
def test_every_numeric_query_parameter_is_parsed_strictly(
    client: FlaskClient, name: str, value: str
) -> None:
    response = client.get("/api/v1/products", query_string={name: value})
    problem = assert_problem(response, 400, "malformed-request")
    assert problem["errors"][0]["field"] == name


@pytest.mark.parametrize("value", NOT_INTEGERS + HUGE)
def test_the_storefront_page_number_is_parsed_strictly(client: FlaskClient, value: str) -> None:
    response = client.get("/", query_string={"page": value})
    assert response.status_code == 400


@pytest.mark.parametrize("path", ["/static//shop.css", "/api/v1/products", "/", "/login"])
def test_an_untrusted_host_is_refused_and_never_redirected_to(
    client: FlaskClient, path: str
) -> None:
    response = client.get(path, headers={"Host": "evil.example"})
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert "Location" not in response.headers


def test_trusted_hosts_come_from_settings(client: FlaskClient) -> None:
    assert client.get("/static//shop.css", headers={"Host": "localhost:8000"}).status_code == 308
    assert client.get("/healthz", headers={"Host": "127.0.0.1:9"}).status_code == 200


def test_an_http_1_1_request_without_host_is_refused(client: FlaskClient) -> None:
    bare = {"HTTP_HOST": "", "SERVER_PROTOCOL": "HTTP/1.1"}
    response = client.get("/api/v1/products", environ_overrides=bare)
    assert_problem(response, 400, "malformed-request")


def register_streamed(client: FlaskClient, email: str, password_length: int) -> TestResponse:
    """Register through a chunked body: no Content-Length, as a streaming server passes it on."""
    body = f'{{"email": "{email}", "password": "{"x" * password_length}", "name": "S"}}'
    return client.post(
        "/api/v1/customers",
        input_stream=io.BytesIO(body.encode()),
        content_type="application/json",
        headers={"Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True, "CONTENT_LENGTH": ""},
    )


def test_a_streamed_body_past_the_limit_is_413_not_a_truncated_body(client: FlaskClient) -> None:
    response = register_streamed(client, "a@example.com", 10_000)
    assert_problem(response, 413, "payload-too-large")
    assert response.headers["Connection"] == "close"


def test_a_streamed_body_within_the_limit_is_read_whole(client: FlaskClient) -> None:
    response = register_streamed(client, "b@example.com", 100)
    assert response.status_code == 201, response.get_data(as_text=True)


def test_a_declared_body_past_the_limit_is_413_at_once_and_closes(client: FlaskClient) -> None:
    class NeverSent(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            raise AssertionError("the body of a request refused for its size was read")

        readline = read

    response = client.post(
        "/api/v1/customers",
        input_stream=NeverSent(),
        content_type="application/json",
        environ_overrides={"CONTENT_LENGTH": str(10 * 1024**3)},
    )
    assert_problem(response, 413, "payload-too-large")
    assert response.headers["Connection"] == "close"


def test_failed_logins_are_throttled_with_retry_after(client: FlaskClient) -> None:
    client.post(
        "/api/v1/customers",
        json={"email": "gi@example.com", "password": "password1", "name": "Gi"},
    )
    statuses = [
        client.post(
            "/api/v1/auth/token", json={"email": "gi@example.com", "password": "wrong-one"}
        ).status_code
        for _ in range(7)
    ]
    assert statuses[:5] == [401] * 5 and statuses[5:] == [429, 429]
    response = client.post(
        "/api/v1/auth/token", json={"email": "gi@example.com", "password": "password1"}
    )
    assert_problem(response, 429, "too-many-login-attempts")
    assert 1 <= int(response.headers["Retry-After"]) <= 60


@pytest.mark.parametrize(
    "traceparent",
    [
        "garbage",
        "00-" + "0" * 32 + "-" + "0" * 16 + "-01",  # all-zero ids are invalid
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",  # version ff is forbidden
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
        "00-" + "a" * 4000,
        "\u00e9\u00e9-\u0661",
    ],
)
def test_a_malformed_traceparent_starts_a_new_trace_instead_of_failing(
    client: FlaskClient, traceparent: str
) -> None:
    """W3C trace context: a header that does not parse is ignored, never an error."""
    response = client.get("/api/v1/products", headers={"traceparent": traceparent})
    assert response.status_code == 200
