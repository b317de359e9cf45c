# Rampart as a sidecar: the static binary alone in an empty image (issue 5, SEC-030).
#
#   dotnet publish src/Rampart -c Release -r linux-x64 -o publish    # static-pie, OpenSSL linked in
#   podman build --format docker -t rampart .                        # docker format keeps HEALTHCHECK
#   podman run -d --read-only -p 127.0.0.1:9090:9090 \
#     -v rampart-state:/var/lib/rampart -v ./policies:/etc/rampart:ro rampart
#
# The binary is published on the host rather than in an SDK build stage: the image is exactly the
# artifact that was tested, and building needs no registry beyond the empty `scratch`.
FROM scratch

# Numeric, non-root identity (Kubernetes runAsNonRoot rejects a named user); the passwd entry gives
# it a name and the home /var/lib/rampart.
COPY dist/container/passwd dist/container/group /etc/
COPY --chown=0:0 --chmod=0755 publish/rampart /usr/local/bin/rampart
# Policies: root-owned, readable by the service group; mount your own read-only over /etc/rampart
# (keep a standard.yaml in it, or override the command's --config).
COPY --chown=0:65532 --chmod=0640 src/Rampart.Core/Policies/Profiles/standard.yaml /etc/rampart/standard.yaml
# The service home (token store, signing key, audit/) is the one writable place; with a read-only
# root filesystem it must be a volume.
COPY --chown=65532:65532 dist/container/home/ /var/lib/rampart/
VOLUME /var/lib/rampart

USER 65532:65532
ENV HOME=/var/lib/rampart
WORKDIR /var/lib/rampart
EXPOSE 9090
HEALTHCHECK --interval=30s --timeout=3s --start-period=5s CMD ["/usr/local/bin/rampart", "health"]
# 0.0.0.0 inside the container's own network namespace (SEC-030): publish it to the host's
# loopback (-p 127.0.0.1:9090:9090) or share the pod's network; serve warns that it has no TLS.
ENTRYPOINT ["/usr/local/bin/rampart", "serve"]
CMD ["--addr", "0.0.0.0", "--config", "/etc/rampart/standard.yaml", "--config-dir", "/etc/rampart", "--audit-dir", "/var/lib/rampart/audit"]
