#!/bin/sh
# Demo stand-in: a real repository sends all traffic to the new version.
echo "promoting web-api ${GREENLIGHT_VERSION:-?} to 100% of traffic"
