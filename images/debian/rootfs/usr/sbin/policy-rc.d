#!/bin/sh
# As in Docker's debian images: packages must not start services in a container.
exit 101
