#!/bin/sh
# Demo stand-in: a real repository sends all traffic to the new version.
# Harmless: it only prints and waits.
echo "promoting web-api ${GREENLIGHT_VERSION:-?} to 100% of traffic"
echo "  step ${GREENLIGHT_STEP:-?} of session ${GREENLIGHT_SESSION:-?}"
sleep 0.4
echo "  weight 50% -> 100%"
sleep 0.4
echo "  health checks: 3/3 passing"
sleep 0.2
echo "done: all traffic on ${GREENLIGHT_VERSION:-the new version}"
