#
# Several app hosts behind one Varnish, on top of the reference configuration.
#
# Two gunicorn hosts serve the same site from one database and one Redis (Django's cache,
# so composekit's server fragment cache, and the sessions: SESSION_ENGINE = "cached_db").
# Varnish spreads fetches over them round robin, asks each for /health/ every second, and
# stops sending to a host that failed two of its last three probes. A GET or HEAD whose
# host died under it (refused, reset, timed out, or cut off halfway through its answer) is
# tried again on the next host, so a visitor never sees the failure; a POST is never
# repeated: it may have been applied.
#
# composekit.vcl (the reference file, next to this one) does the rest: what is cached, ESI.
# tests/test_two_hosts.py runs this file, unchanged but for the two ports, and
# `make demo-varnish` serves the demo shop through it.

vcl 4.1;

import directors;

probe health {
    .url = "/health/";
    .interval = 1s;
    .timeout = 1s;
    .window = 3;
    .threshold = 2;
    .initial = 2;  # healthy from the start: no wait for the first probes
}

backend app_a {
    .host = "127.0.0.1";
    .port = "8001";
    .probe = health;
}

backend app_b {
    .host = "127.0.0.1";
    .port = "8002";
    .probe = health;
}

sub vcl_init {
    new app = directors.round_robin();
    app.add_backend(app_a);
    app.add_backend(app_b);
}

# These run before the reference file's subroutines of the same name (it is included below).
sub vcl_recv {
    set req.backend_hint = app.backend();  # includes too: each is a fetch of its own
}

sub vcl_backend_fetch {
    # A retry goes to the other host than the one that just failed: the round robin alone
    # could hand it the dead host again, its turn moved on by every other fetch meanwhile.
    if (bereq.retries > 0) {
        if (bereq.http.X-Composekit-Failed == "app_a") {
            set bereq.backend = app_b;
        } else {
            set bereq.backend = app_a;
        }
        unset bereq.http.X-Composekit-Failed;
    }
}

sub vcl_backend_response {
    # Take a GET's answer whole before delivering it, so one cut off halfway (its host died
    # mid-write) fails the fetch and is tried again below, instead of reaching the visitor
    # cut. composekit.vcl does so for fragments; this does it for pages. A page that asks
    # not to be buffered (X-Accel-Buffering: no, as composekit's streamed pages do) still
    # streams as it comes: its early bytes are the point of it.
    if (bereq.method == "GET" && beresp.http.X-Accel-Buffering != "no") {
        set beresp.do_stream = false;
    }
}

sub vcl_backend_error {
    # The next try goes to the other host (above); three cover a host that died between two
    # probes, and both hosts restarting at once.
    if (bereq.retries < 3 && (bereq.method == "GET" || bereq.method == "HEAD")) {
        set bereq.http.X-Composekit-Failed = beresp.backend.name;
        return (retry);
    }
}

include "./composekit.vcl";
