#
# Reference Varnish configuration for a composekit site (Varnish 7.x, VCL 4.1).
#
# The rule, in one sentence: Varnish looks every GET/HEAD up in the cache even when the
# browser sends cookies, and stores only responses the backend explicitly marks shareable
# (`public` or `s-maxage`) and that carry nothing per-user (no `private`, `no-store`,
# `no-cache`, `Set-Cookie` or `Vary: Cookie`). Everything else goes to Django every time.
#
# So one stored shell serves anonymous and logged-in visitors alike, public fragments are
# cached by their own headers, and private fragments (always `private` + `Vary: Cookie`)
# are never stored. Django decides what is shareable, page by page; this file only obeys.
# See docs/shells.md ("Behind Varnish") for the reasoning and the pitfalls.
#
# ESI: this Varnish tells Django it assembles `<esi:include>`s (`Surrogate-Capability`).
# With COMPOSEKIT_MODE = "esi" Django then sends shells holding includes (and says so in
# `Surrogate-Control`); Varnish keeps the shell once for everyone and fills the includes
# for each visitor: public fragments from its cache, private ones from Django with the
# visitor's cookies. In client or inline mode Django ignores the header and nothing below
# changes anything. See docs/esi.md. Start varnishd with `-p feature=+esi_include_onerror`
# so that a failed include never cuts the page short whatever it answered.
#
# Purging by tag: Django tags every response Varnish may keep with what it depends on, in the
# `xkey` header (the xkey vmod, Debian's varnish-modules package, indexes objects by it), and
# sends `PURGE` requests with `xkey-softpurge: tag ...` (or `xkey-purge`) when the data
# changes (COMPOSEKIT_PURGE_BACKENDS, docs/caching.md). Only the addresses in the ACL below
# may purge: list your app hosts there. The tags never leave for the browser.
#
# Per-session copies: a private fragment whose policy says `per_session` comes with
# `CK-Per-Session: <seconds>` (composekit/persession.py) when Django authenticated the very
# session the request's one session cookie names. It is stored as a variant keyed by
# `CK-Session`, a header this file builds from the cookies (the session, the loader's write
# generations and identity, the CSRF secret) and never takes from the client: another
# session, no session, a write or a login all miss. Tagged with a keyed HMAC of its session,
# it is purged when the session ends. It still leaves as `private` with `Vary: Cookie`. If
# your SESSION_COOKIE_NAME, CSRF_COOKIE_NAME, COMPOSEKIT_GENERATION_COOKIE or
# COMPOSEKIT_IDENTITY_COOKIE differ from Django's and composekit's defaults, rename them in
# vcl_recv. See docs/caching.md ("Per-session copies") and docs/security.md.
#
# Debugging: every response carries `X-Cache: HIT`, `MISS` or `PASS` (set in vcl_deliver).
# tests/test_varnish.py runs this file, unchanged but for the backend port, in front of
# gunicorn.

vcl 4.1;

import std;
import xkey;

# Who may purge: the app hosts that send COMPOSEKIT_PURGE_BACKENDS' PURGE requests.
acl composekit_purgers {
    "127.0.0.1";
    "::1";
}

# Your Django server. tests/test_varnish.py rewrites the port.
backend default {
    .host = "127.0.0.1";
    .port = "8000";
}

sub vcl_recv {
    # A purge by tag from Django: soft (the next visitor gets the stale copy while Varnish
    # revalidates it, a 304 when nothing changed) or hard. The answer says how many objects.
    if (req.method == "PURGE") {
        if (client.ip !~ composekit_purgers) {
            return (synth(403, "Not allowed to purge"));
        }
        if (req.http.xkey-softpurge) {
            set req.http.X-Purged = xkey.softpurge(req.http.xkey-softpurge);
        } elsif (req.http.xkey-purge) {
            set req.http.X-Purged = xkey.purge(req.http.xkey-purge);
        } else {
            return (synth(400, "Send the tags in xkey-softpurge or xkey-purge"));
        }
        return (synth(200, "Purged " + req.http.X-Purged));
    }

    # The per-session key is this file's to build, from the cookies alone.
    unset req.http.CK-Session;

    # Only GET and HEAD are ever cached; anything else goes straight to Django.
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }

    # HTTP authentication is per user, and the backend may not say so (RFC 9111 3.5).
    if (req.http.Authorization) {
        return (pass);
    }

    # Tell Django this surrogate assembles ESI. Always set, never taken from the client: a
    # browser must not choose which form of a page is stored. The ESI form of a page says
    # `Vary: Surrogate-Capability`, so a cache that does not set it never mixes the two.
    set req.http.Surrogate-Capability = {"varnish="ESI/1.0""};

    # An include fetched while assembling a page carries the page's request headers. The
    # page's validators and ranges say nothing about the include: drop them, so an include
    # is never a 304 or a 206 of something else. And it goes into HTML: ask for HTML.
    if (req.esi_level > 0) {
        set req.http.Accept = "text/html";
        unset req.http.If-None-Match;
        unset req.http.If-Modified-Since;
        unset req.http.If-Range;
        unset req.http.Range;
    }

    # Fragment URLs answer HTML or JSON by Accept and send `Vary: Accept`. Browsers send
    # dozens of Accept strings; keep only the two representations the endpoint serves, so
    # each fragment has at most two variants in the cache instead of one per browser.
    # The choice must be Django's, or a cached variant would hold the other one. As
    # composekit reads Accept (wants_json() in composekit/fragment.py): JSON only when a
    # JSON range (application/json, application/*, */*) is accepted and no HTML range
    # (text/html, text/*, */*) is. First drop the ranges refused with q=0 (0.0, 0.00 and
    # 0.000 too, spaces allowed), whichever parameter it is. No Accept means */*: HTML.
    if (req.url ~ "^/_composekit/") {
        set req.http.X-Accept-Taken = regsuball(req.http.Accept,
            "(?i)(^|,)[^,]*;\s*q *= *0( *\.( *0){1,3})?\s*(?=[;,]|$)[^,]*", "");
        if (req.http.X-Accept-Taken ~ "(?i)(^|,)\s*(application/json|application/\*|\*/\*)\s*(;|,|$)"
            && req.http.X-Accept-Taken !~ "(?i)(^|,)\s*(text/html|text/\*|\*/\*)\s*(;|,|$)") {
            set req.http.Accept = "application/json";
        } else {
            set req.http.Accept = "text/html";
        }
        unset req.http.X-Accept-Taken;
    }

    # Per-session copies are keyed by the session cookie as Django reads it: one Cookie
    # header (HTTP/2 sends several), exactly one session cookie, a plain key. Anything else
    # (two session cookies, a quoted or odd value) gets no key: no per-session copy is
    # stored for it or served to it.
    if (req.http.Cookie) {
        std.collect(req.http.Cookie, "; ");
        if (req.http.Cookie ~ "(^|;)\s*sessionid=[a-z0-9]{8,}\s*(;|$)"
            && req.http.Cookie !~ "sessionid\s*=.*sessionid\s*=") {
            set req.http.CK-Session = "s=" + regsub(req.http.Cookie, "^(.*;)?\s*sessionid=([a-z0-9]+)\s*(;.*)?$", "\2")
                + " g=" + regsub(req.http.Cookie, "^((.*;)?\s*ck_gen=([^;]*))?.*$", "\3")
                + " i=" + regsub(req.http.Cookie, "^((.*;)?\s*ck_identity=([^;]*))?.*$", "\3")
                + " c=" + regsub(req.http.Cookie, "^((.*;)?\s*csrftoken=([^;]*))?.*$", "\3");
        }
    }

    # The point of this file: the built-in vcl_recv passes every request that carries a
    # Cookie, so a logged-in visitor would never get a cached shell. Look it up instead.
    # The Cookie header stays on the request: on a miss Django still sees who is asking,
    # and a per-user answer is not stored (vcl_backend_response). The cache key is the URL
    # and Host (built-in vcl_hash), never the cookie.
    return (hash);
}

sub vcl_backend_response {
    # A fragment's answer is taken whole before any of it is delivered or put into a page.
    # Streamed as it comes, an answer cut halfway (Django's host died mid-write) would leave
    # half an element in the page; taken whole, the cut fails the fetch, and
    # vcl_backend_error puts a client placeholder there instead (two-hosts.vcl tries the
    # other host first). Fragments are small: the wait is for the rest of an answer already
    # on its way.
    if (bereq.url ~ "^/_composekit/") {
        set beresp.do_stream = false;
    }

    # A page holding includes (Django's ComposekitMiddleware says so): process them on every
    # delivery. Stored or not, the page is kept as Django sent it, includes unfilled; each
    # visitor's delivery fills them. Remembered in a header for vcl_deliver.
    if (beresp.http.Surrogate-Control ~ "ESI/1\.0") {
        unset beresp.http.Surrogate-Control;
        set beresp.do_esi = true;
        set beresp.http.X-Composekit-Esi = "assembled";
    }

    # A per-session copy (see the top of this file): stored only for a GET made with a
    # session key, answered 200 without a cookie set, as a variant of that key alone, for
    # no longer than Django said, with no grace (a purge, soft or not, removes it at once).
    # The browser still gets it `private` with its own Vary (restored in vcl_deliver).
    if (beresp.http.CK-Per-Session) {
        if (bereq.http.CK-Session
            && bereq.method == "GET"
            && beresp.status == 200
            && !beresp.http.Set-Cookie
            && beresp.http.CK-Per-Session ~ "^[1-9][0-9]{0,8}$"
            && beresp.http.Vary ~ "(?i)(^|,)\s*cookie\s*(,|$)") {
            set beresp.ttl = std.duration(beresp.http.CK-Per-Session + "s", 0s);
            set beresp.grace = 0s;
            set beresp.keep = 0s;
            set beresp.http.CK-Browser-Vary = beresp.http.Vary;
            set beresp.http.Vary = regsuball(beresp.http.Vary, "(?i)(^|,)(\s*)cookie(\s*)(?=,|$)", "\1\2CK-Session\3");
            unset beresp.http.CK-Per-Session;
            return (deliver);
        }
        unset beresp.http.CK-Per-Session;
    }

    # Never store a per-user answer. `private`/`no-store`/`no-cache`: a private fragment,
    # a shell the purity guard downgraded, or any page that said so. `Set-Cookie`: storing
    # it would hand one visitor's cookie (a session!) to everyone. `Vary: Cookie`: Django's
    # SessionMiddleware adds it whenever the session was read, i.e. the body depends on the
    # user; caching it per cookie value would only fill the cache with single-user copies.
    # Opt-in: a response that does not say `public` or `s-maxage` is not stored either, so
    # pages that never thought about caching (and may read cookies without saying so) are
    # safe. Static files served with `public, max-age` (WhiteNoise) are cached.
    #
    # uncacheable + ttl makes a "hit-for-miss" object: for two minutes Varnish remembers
    # that this URL was not cacheable and sends requests for it to Django in parallel,
    # instead of queueing them behind one another (request coalescing). It never delivers
    # one visitor's uncacheable response to another.
    if (beresp.http.Cache-Control ~ "(?i)(private|no-store|no-cache)"
        || beresp.http.Set-Cookie
        || beresp.http.Vary ~ "(?i)(^|,)\s*(cookie|\*)\s*(,|$)"
        || beresp.http.Cache-Control !~ "(?i)(public|s-maxage)") {
        set beresp.uncacheable = true;
        set beresp.ttl = 120s;
        return (deliver);
    }

    # Server errors are never stored, whatever their headers say.
    if (beresp.status >= 500) {
        set beresp.uncacheable = true;
        set beresp.ttl = 10s;
        return (deliver);
    }

    # Shareable: the TTL comes from s-maxage (else max-age), grace from
    # stale-while-revalidate, both parsed by Varnish itself. Keep expired objects that have
    # a validator an extra hour, so a refetch can be a cheap 304 (If-None-Match/ETag).
    if (beresp.http.ETag || beresp.http.Last-Modified) {
        set beresp.keep = 1h;
    }
    # Fall through to the built-in vcl_backend_response (it marks ttl <= 0 uncacheable).
}

sub vcl_miss {
    # A hit-for-miss object (a URL found uncacheable, see below) sends requests to Django as
    # misses, and a miss drops the browser's If-None-Match: Django would render a full 200
    # that Varnish then cuts down to a 304. Passing keeps the validator, so Django answers
    # 304 from the fragment's ETag alone, without rendering.
    if (req.is_hitmiss) {
        return (pass);
    }
}

sub vcl_backend_error {
    # Django could not be reached for an include (down, timed out): put an empty client
    # placeholder in the page instead of Varnish's error page, so the loader fetches the
    # fragment itself. Only for an include URL exactly as Django writes it: nothing from the
    # request is echoed into HTML unless it is a fragment name and a signed token.
    # (The tag may add its own refresh-on and refresh-every, as on= and every=, after esi=1.)
    if (bereq.url ~ "^/_composekit/[a-z0-9-]+/\?p=[A-Za-z0-9_:-]+&esi=1(&on=[A-Za-z0-9_.:%+-]+)?(&every=[0-9a-z]+)?$") {
        set beresp.http.Content-Type = "text/html; charset=utf-8";
        set beresp.http.Cache-Control = "no-store";
        synthetic({"<ck-fragment name=""} + regsub(bereq.url, "^/_composekit/([a-z0-9-]+)/.*$", "\1")
            + {"" src=""} + regsub(bereq.url, "&esi=1.*$", "") + {""></ck-fragment>"});
        return (deliver);
    }
}

sub vcl_deliver {
    # An assembled page holds this visitor's private fragments: it leaves as private, and
    # without the shell's validators (a 304 on them would keep fragments the browser holds
    # from another visit, or another visitor). The stored shell stays public for everyone.
    if (resp.http.X-Composekit-Esi) {
        unset resp.http.X-Composekit-Esi;
        if (req.esi_level == 0) {
            set resp.http.Cache-Control = "private, no-cache";
            unset resp.http.ETag;
            unset resp.http.Last-Modified;
        }
    }

    # A per-session copy leaves with the Vary the browser must see (Cookie), not this
    # cache's key.
    if (resp.http.CK-Browser-Vary) {
        set resp.http.Vary = resp.http.CK-Browser-Vary;
        unset resp.http.CK-Browser-Vary;
    }
    unset resp.http.CK-Per-Session;

    # Cache tags are for this cache (and purges) alone.
    unset resp.http.xkey;
    unset resp.http.Surrogate-Key;
    unset resp.http.Cache-Tag;

    # What the cache did, for humans and for tests/test_varnish.py.
    if (obj.uncacheable) {
        set resp.http.X-Cache = "PASS";
    } elsif (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
}
