#!/bin/bash
# usage (as root): headless_sway.sh
# A throw-away Wayland desktop: headless sway, its own D-Bus session, PipeWire, and xdg-desktop-portal
# (-wlr for screenshots, -gtk beside it: the Screenshot interface needs a back-end that also provides Access).
# sway refuses uid 0, so all of it runs in a user namespace as uid 1000 (root outside). Writes the
# session's variables to stdout, then READY, then waits until it is killed (SIGTERM), and tears the session down.
if [ -z "$_WL_INNER" ]; then
  exec env _WL_INNER=1 unshare --user --map-user=1000 --map-group=1000 dbus-run-session -- "$0" "$@"
fi
HERE=$(cd "$(dirname "$0")" && pwd)
export XDG_RUNTIME_DIR=$(mktemp -d /tmp/wlrt.XXXXXX)   # mktemp -d gives 0700
export XDG_CURRENT_DESKTOP=sway XDG_SESSION_TYPE=wayland
export WLR_BACKENDS=headless WLR_RENDERER=pixman WLR_LIBINPUT_NO_DEVICES=1
unset DISPLAY BLIP_ASSISTANT_INSTANCE  # the default channel, in this session's XDG_RUNTIME_DIR
sway -c "$HERE/sway.conf" > "$XDG_RUNTIME_DIR/sway.log" 2>&1 & SWAY=$!
for i in $(seq 200); do ls "$XDG_RUNTIME_DIR"/wayland-? >/dev/null 2>&1 && ls "$XDG_RUNTIME_DIR"/sway-ipc.*.sock >/dev/null 2>&1 && break; sleep 0.05; done
export WAYLAND_DISPLAY=$(basename "$(ls "$XDG_RUNTIME_DIR"/wayland-? | head -1)")
export SWAYSOCK=$(ls "$XDG_RUNTIME_DIR"/sway-ipc.*.sock | head -1)
dbus-update-activation-environment WAYLAND_DISPLAY XDG_CURRENT_DESKTOP XDG_SESSION_TYPE XDG_RUNTIME_DIR SWAYSOCK
pipewire > "$XDG_RUNTIME_DIR/pipewire.log" 2>&1 & PW=$!   # xdg-desktop-portal-wlr exits without it
for i in $(seq 200); do [ -S "$XDG_RUNTIME_DIR/pipewire-0" ] && break; sleep 0.05; done
cleanup() { kill $PW $SWAY 2>/dev/null; wait $SWAY 2>/dev/null; rm -rf "$XDG_RUNTIME_DIR"; exit 0; }
trap cleanup TERM INT
env | grep -E '^(WAYLAND_DISPLAY|XDG_RUNTIME_DIR|XDG_CURRENT_DESKTOP|XDG_SESSION_TYPE|SWAYSOCK|DBUS_SESSION_BUS_ADDRESS|WLR_[A-Z_]+)='
echo "NS_PID=$$"
echo READY
sleep infinity & wait $!
cleanup
