"""Streams: the build-stream parser (docker-py's quirks turned into log lines, steps and
outcomes), closing a stream from another thread, and the idle watchdog."""

import socket
import time

from pixel_desktop.docker.stream import BuildStreamParser, StreamHandle, Watchdog


def feed_all(parser, chunks):
    out = []
    for c in chunks:
        out.extend(parser.feed(c))
    out.extend(parser.flush())
    return out


def test_step_lines_become_progress_events_with_instruction():
    p = BuildStreamParser()
    events = feed_all(
        p,
        [
            {"stream": "Step 1/3 : FROM base\n"},
            {"stream": " ---> abc\n"},
            {"stream": "Step 2/3 : RUN pip install x\n"},
        ],
    )
    steps = [v for k, v in events if k == "step"]
    assert steps == [(1, 3, "FROM base"), (2, 3, "RUN pip install x")]
    assert (p.step, p.total) == (2, 3)


def test_error_inside_a_200_stream_is_captured_with_the_daemon_message():
    p = BuildStreamParser()
    feed_all(
        p,
        [
            {"stream": "Step 2/3 : RUN false\n"},
            {
                "errorDetail": {
                    "code": 1,
                    "message": "The command '/bin/sh -c false' returned a non-zero code: 1",
                },
                "error": "The command '/bin/sh -c false' returned a non-zero code: 1",
            },
        ],
    )
    assert p.error == "The command '/bin/sh -c false' returned a non-zero code: 1"
    assert p.image_id is None


def test_error_detail_without_error_field_still_fails():
    p = BuildStreamParser()
    p.feed({"errorDetail": {"message": "no space left on device"}})
    assert p.error == "no space left on device"


def test_lines_split_across_chunks_are_joined():
    p = BuildStreamParser()
    events = feed_all(p, [{"stream": "Step 1/"}, {"stream": "2 : FROM x\nhel"}, {"stream": "lo\n"}])
    logs = [v for k, v in events if k == "log"]
    assert logs == ["Step 1/2 : FROM x", "hello"]
    assert p.step == 1


def test_cache_hits_and_running_container_and_image_id_are_tracked():
    p = BuildStreamParser()
    feed_all(
        p,
        [
            {"stream": "Step 1/3 : FROM base\n"},
            {"stream": "Step 2/3 : COPY wheels /wheels\n"},
            {"stream": " ---> Using cache\n"},
            {"stream": "Step 3/3 : RUN sleep 1\n"},
            {"stream": " ---> Running in 0123456789ab\n"},
            {"aux": {"ID": "sha256:" + "f" * 64}},
            {"stream": "Successfully built ffffffffffff\n"},
        ],
    )
    assert p.cached_steps == 1
    assert p.cached_instructions == ["COPY wheels /wheels"]
    assert p.running_container == "0123456789ab"
    assert p.image_id == "sha256:" + "f" * 64


def test_successfully_built_line_is_used_when_there_is_no_aux_id():
    p = BuildStreamParser()
    feed_all(p, [{"stream": "Successfully built 0123456789ab\n"}])
    assert p.image_id == "0123456789ab"


def test_status_progress_bars_are_not_logged_but_statuses_are():
    p = BuildStreamParser()
    events = p.feed({"status": "Downloading", "progress": "[==>  ]", "id": "abc"})
    events += p.feed({"status": "Pull complete", "id": "abc"})
    assert [v for k, v in events if k == "log"] == ["abc: Pull complete"]


def test_closing_a_handle_shuts_the_socket_and_unblocks_a_reader():
    a, b = socket.socketpair()
    handle = StreamHandle()
    handle.attach(None, a)
    handle.close("cancelled")
    assert a.recv(10) == b""  # a blocked reader would wake with EOF
    assert handle.reason == "cancelled"
    b.close()
    a.close()


def test_handle_closed_before_attach_closes_on_attach():
    a, b = socket.socketpair()
    handle = StreamHandle()
    handle.close("cancelled")
    handle.attach(None, a)
    assert a.recv(10) == b""
    a.close()
    b.close()


def test_watchdog_closes_an_idle_stream_and_keeps_an_active_one():
    idle = StreamHandle()
    dog = Watchdog(idle, idle_s=0.2, poll_s=0.05)
    dog.start()
    dog.join(timeout=5)
    assert idle.reason == "idle"

    busy = StreamHandle()
    dog2 = Watchdog(busy, idle_s=0.3, poll_s=0.05)
    dog2.start()
    deadline = time.monotonic() + 0.8
    while time.monotonic() < deadline:
        busy.touch()
        time.sleep(0.05)
    dog2.done.set()
    dog2.join(timeout=5)
    assert busy.reason is None
