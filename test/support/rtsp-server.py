"""A local RTSP server for tests and benchmarks (Debian's GStreamer RTSP server).

usage: /usr/bin/python3 rtsp-server.py PORT FILE.mp4 [USER:PASSWORD]

Serves the H.264 MP4 at rtsp://127.0.0.1:PORT/cam (and /cam1 ... /cam16, the same file), looping,
each client from the start; with USER:PASSWORD it asks for basic authentication. Prints "ready"
once it listens.
"""
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402

Gst.init(None)
port, path = sys.argv[1], sys.argv[2]
credentials = sys.argv[3] if len(sys.argv) > 3 else None


class LoopingFactory(GstRtspServer.RTSPMediaFactory):
    """Seeks back to the start at the end of the file, so a stream outlasts any test."""

    def do_create_element(self, url):
        return Gst.parse_launch(
            f"( filesrc location={path} ! qtdemux ! h264parse ! rtph264pay name=pay0 pt=96 config-interval=1 )"
        )

    def do_configure(self, media):
        media.connect("prepared", self.on_prepared)

    def on_prepared(self, media):
        pipeline = media.get_element()
        bus = pipeline.get_parent().get_bus() if pipeline.get_parent() else None
        if bus is None:
            return

        def on_message(_bus, message):
            if message.type == Gst.MessageType.EOS:
                pipeline.seek_simple(Gst.Format.TIME, Gst.SeekFlags.FLUSH, 0)
            return True

        bus.add_signal_watch()
        bus.connect("message", on_message)


server = GstRtspServer.RTSPServer()
server.set_address("127.0.0.1")
server.set_service(port)
mounts = server.get_mount_points()
for name in ["cam"] + [f"cam{i}" for i in range(1, 17)]:
    factory = LoopingFactory()
    factory.set_shared(False)
    if credentials:
        user, password = credentials.split(":", 1)
        token = GstRtspServer.RTSPToken()
        token.set_string(GstRtspServer.RTSP_TOKEN_MEDIA_FACTORY_ROLE, "user")
        auth = GstRtspServer.RTSPAuth()
        auth.add_basic(GstRtspServer.RTSPAuth.make_basic(user, password), token)
        server.set_auth(auth)
        permissions = GstRtspServer.RTSPPermissions()
        permissions.add_permission_for_role("user", GstRtspServer.RTSP_PERM_MEDIA_FACTORY_ACCESS, True)
        permissions.add_permission_for_role("user", GstRtspServer.RTSP_PERM_MEDIA_FACTORY_CONSTRUCT, True)
        factory.set_permissions(permissions)
    mounts.add_factory(f"/{name}", factory)

if server.attach(None) == 0:
    sys.exit("could not listen")
print("ready", flush=True)
GLib.MainLoop().run()
