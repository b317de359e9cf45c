# Rampart as a sidecar: the static binary alone in an empty image (issue 5, SEC-030).
#
# Build everything (needs the SDK image from mcr.microsoft.com):
#   podman build --format docker -t rampart .          # docker format keeps HEALTHCHECK
# Or package a binary you published and tested yourself (no registry needed; the SDK stage is skipped):
#   dotnet publish src/Rampart -c Release -r linux-x64 -o publish
#   podman build --format docker --build-context binary=publish --target final -t rampart .
# Run it in the agent's pod (it listens on the pod's loopback, 127.0.0.1:9090):
#   podman run -d --read-only -v rampart-state:/var/lib/rampart -v ./policies:/etc/rampart:ro rampart
#   podman run --network container:<rampart> --user 1000 <agent image>   # reaches http://127.0.0.1:9090

# ── build: the Native AOT static executable (clang/lld link it; OpenSSL and glibc linked in) ──
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends clang lld libssl-dev zlib1g-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Directory.Build.props Directory.Packages.props ./
# The system install embeds the shipped unit file.
COPY dist/rampart.service dist/
COPY src/ src/
RUN dotnet publish src/Rampart -c Release -r linux-x64 -o /publish -nologo

# ── binary: just the executable. `--build-context binary=DIR` replaces this stage with a directory
# holding a published `rampart`, so the final stage is built without the SDK image. ──
FROM scratch AS binary
COPY --from=build /publish/rampart /rampart

# ── final: nothing but the binary, its passwd entry, a default policy and the state volume ──
FROM scratch AS final

# Numeric, non-root identity (Kubernetes runAsNonRoot rejects a named user); the passwd entry gives
# it a name and the home /var/lib/rampart.
COPY dist/container/passwd dist/container/group /etc/
COPY --from=binary --chown=0:0 --chmod=0755 /rampart /usr/local/bin/rampart
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
# The pod's loopback (issue 5, SEC-030): the agent containers of the same pod share this network
# namespace and reach 127.0.0.1:9090; nothing outside the pod can. To serve the host instead, pass
# `--addr 0.0.0.0` and publish to the host's loopback only (-p 127.0.0.1:9090:9090); serve then
# warns that it has no TLS.
ENTRYPOINT ["/usr/local/bin/rampart", "serve"]
CMD ["--addr", "127.0.0.1", "--config", "/etc/rampart/standard.yaml", "--config-dir", "/etc/rampart", "--audit-dir", "/var/lib/rampart/audit"]
