#!/bin/sh
# Demo stand-in: a real repository sends all traffic back.
echo "rolling web-api back to ${GREENLIGHT_PREVIOUS_VERSION:-the previous version}"
