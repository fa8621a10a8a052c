#!/bin/sh
# Demo stand-in: a real repository sends all traffic back.
# Harmless: it only prints and waits.
echo "rolling web-api back to ${GREENLIGHT_PREVIOUS_VERSION:-the previous version}"
sleep 0.5
echo "  weight 100% -> 0% on ${GREENLIGHT_VERSION:-the new version}"
sleep 0.5
echo "done: all traffic on ${GREENLIGHT_PREVIOUS_VERSION:-the previous version}"
