"""The engine's records -> Docker Engine API JSON (API 1.47 field names), plus the snapshot
Portainer keeps of an environment."""

from __future__ import annotations

import datetime
from typing import Any

from . import model
from .model import Container, Engine, Network, Service, Task, Volume


def rfc3339(seconds: int) -> str:
    """Docker's timestamps: RFC 3339 with nanoseconds, in UTC."""
    moment = datetime.datetime.fromtimestamp(seconds, tz=datetime.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000000000Z")


ZERO_TIME = "0001-01-01T00:00:00Z"


def _ago(seconds: int) -> str:
    """Docker's human durations ("Up 2 hours", "Exited (0) 5 minutes ago")."""
    if seconds < 1:
        return "Less than a second"
    if seconds < 60:
        return f"{seconds} seconds"
    minutes = seconds // 60
    if minutes < 60:
        return "About a minute" if minutes == 1 else f"{minutes} minutes"
    hours = minutes // 60
    if hours < 48:
        return "About an hour" if hours == 1 else f"{hours} hours"
    days = hours // 24
    if days < 14:
        return f"{days} days"
    if days < 60:
        return f"{days // 7} weeks"
    if days < 730:
        return f"{days // 30} months"
    return f"{days // 365} years"


def image_id(image: str) -> str:
    return "sha256:" + model.hex_id("image", image)


def _status_text(engine: Engine, c: Container) -> str:
    if c.state == model.RUNNING:
        return f"Up {_ago(max(engine.now - c.started, 0))}"
    return f"Exited (0) {_ago(max(engine.now - c.finished, 0))} ago"


def _ports(c: Container) -> list[dict[str, Any]]:
    ports: list[dict[str, Any]] = []
    for p in c.service.ports:
        if p.public is not None and c.state == model.RUNNING:
            ports.append(
                {
                    "IP": "0.0.0.0",
                    "PrivatePort": p.private,
                    "PublicPort": p.public,
                    "Type": p.protocol,
                }
            )
        else:
            ports.append({"PrivatePort": p.private, "Type": p.protocol})
    return ports


def _endpoint_settings(engine: Engine, c: Container, network: str) -> dict[str, Any]:
    running = c.state == model.RUNNING
    index = engine.containers.index(c) + 2
    return {
        "IPAMConfig": None,
        "Links": None,
        "Aliases": None,
        "MacAddress": f"02:42:ac:12:{index // 256 % 256:02x}:{index % 256:02x}" if running else "",
        "NetworkID": model.hex_id(engine.instance, engine.env.id, "net", network),
        "EndpointID": model.hex_id(c.id, network, "endpoint") if running else "",
        "Gateway": "172.18.0.1" if running else "",
        "IPAddress": f"172.18.{index // 256 % 256}.{index % 256}" if running else "",
        "IPPrefixLen": 16 if running else 0,
        "IPv6Gateway": "",
        "GlobalIPv6Address": "",
        "GlobalIPv6PrefixLen": 0,
        "DriverOpts": None,
        "DNSNames": [c.name, c.service.name, c.id[:12]] if running else None,
    }


def _mounts(c: Container) -> list[dict[str, Any]]:
    return [
        {
            "Type": "volume",
            "Name": v,
            "Source": f"/var/lib/docker/volumes/{v}/_data",
            "Destination": f"/data/{v}",
            "Driver": "local",
            "Mode": "z",
            "RW": True,
            "Propagation": "",
        }
        for v in c.volumes
    ]


def container_summary(engine: Engine, c: Container) -> dict[str, Any]:
    """One entry of GET /containers/json."""
    return {
        "Id": c.id,
        "Names": ["/" + c.name],
        "Image": c.image,
        "ImageID": image_id(c.image),
        "Command": c.service.command or "/docker-entrypoint.sh",
        "Created": c.created,
        "Ports": _ports(c),
        "Labels": dict(c.labels),
        "State": c.state,
        "Status": _status_text(engine, c),
        "HostConfig": {"NetworkMode": c.networks[0] if c.networks else "default"},
        "NetworkSettings": {"Networks": {n: _endpoint_settings(engine, c, n) for n in c.networks}},
        "Mounts": _mounts(c),
    }


def container_inspect(engine: Engine, c: Container) -> dict[str, Any]:
    """GET /containers/{id}/json."""
    running = c.state == model.RUNNING
    command = c.service.command.split() if c.service.command else ["/docker-entrypoint.sh"]
    return {
        "Id": c.id,
        "Created": rfc3339(c.created),
        "Path": command[0],
        "Args": command[1:],
        "State": {
            "Status": c.state,
            "Running": running,
            "Paused": False,
            "Restarting": False,
            "OOMKilled": False,
            "Dead": False,
            "Pid": (int(c.id[:4], 16) % 30000 + 1000) if running else 0,
            "ExitCode": 0,
            "Error": "",
            "StartedAt": rfc3339(c.started),
            "FinishedAt": ZERO_TIME if running or not c.finished else rfc3339(c.finished),
        },
        "Image": image_id(c.image),
        "ResolvConfPath": f"/var/lib/docker/containers/{c.id}/resolv.conf",
        "HostnamePath": f"/var/lib/docker/containers/{c.id}/hostname",
        "HostsPath": f"/var/lib/docker/containers/{c.id}/hosts",
        "LogPath": f"/var/lib/docker/containers/{c.id}/{c.id}-json.log",
        "Name": "/" + c.name,
        "RestartCount": c.restarts,
        "Driver": "overlay2",
        "Platform": "linux",
        "MountLabel": "",
        "ProcessLabel": "",
        "AppArmorProfile": "docker-default",
        "ExecIDs": None,
        "HostConfig": {
            "NetworkMode": c.networks[0] if c.networks else "default",
            "RestartPolicy": {"Name": "unless-stopped", "MaximumRetryCount": 0},
            "PortBindings": {
                f"{p.private}/{p.protocol}": [{"HostIp": "", "HostPort": str(p.public)}]
                for p in c.service.ports
                if p.public is not None
            },
            "Privileged": False,
        },
        "Mounts": _mounts(c),
        "Config": {
            "Hostname": c.id[:12],
            "Domainname": "",
            "User": "",
            "Env": list(c.service.environment),
            "Cmd": command,
            "Image": c.image,
            "Labels": dict(c.labels),
            "ExposedPorts": {f"{p.private}/{p.protocol}": {} for p in c.service.ports} or None,
        },
        "NetworkSettings": {
            "Bridge": "",
            "SandboxID": model.hex_id(c.id, "sandbox") if running else "",
            "Ports": {
                f"{p.private}/{p.protocol}": (
                    [{"HostIp": "0.0.0.0", "HostPort": str(p.public)}]
                    if p.public is not None and running
                    else None
                )
                for p in c.service.ports
            },
            "Networks": {n: _endpoint_settings(engine, c, n) for n in c.networks},
        },
    }


def image_summary(engine: Engine, image: str) -> dict[str, Any]:
    repo = image.split("@")[0]
    users = [c for c in engine.containers if c.image == image]
    return {
        "Id": image_id(image),
        "ParentId": "",
        "RepoTags": [repo],
        "RepoDigests": [f"{repo.rsplit(':', 1)[0]}@sha256:{model.hex_id('digest', image)}"],
        "Created": min(c.created for c in users) - 86_400 if users else engine.env.created,
        "Size": 40_000_000 + int(model.hex_id("size", image)[:6], 16) * 64,
        "SharedSize": -1,
        "VirtualSize": 40_000_000 + int(model.hex_id("size", image)[:6], 16) * 64,
        "Labels": {},
        "Containers": len(users),
    }


def network_view(engine: Engine, n: Network) -> dict[str, Any]:
    return {
        "Name": n.name,
        "Id": n.id,
        "Created": rfc3339(n.created),
        "Scope": n.scope,
        "Driver": n.driver,
        "EnableIPv6": False,
        "IPAM": {"Driver": "default", "Options": None, "Config": []},
        "Internal": False,
        "Attachable": False,
        "Ingress": n.name == "ingress",
        "ConfigFrom": {"Network": ""},
        "ConfigOnly": False,
        "Containers": {},
        "Options": {},
        "Labels": dict(n.labels),
    }


def volume_view(engine: Engine, v: Volume) -> dict[str, Any]:
    return {
        "Name": v.name,
        "Driver": "local",
        "Mountpoint": f"/var/lib/docker/volumes/{v.name}/_data",
        "CreatedAt": rfc3339(v.created),
        "Labels": dict(v.labels),
        "Scope": "local",
        "Options": None,
    }


def _version(created: int) -> dict[str, int]:
    return {"Index": created % 10_000 + 10}


def service_view(engine: Engine, s: Service) -> dict[str, Any]:
    mode = {"Replicated": {"Replicas": s.spec.replicas}}
    ports = [
        {
            "Protocol": p.protocol,
            "TargetPort": p.private,
            "PublishedPort": p.public,
            "PublishMode": "ingress",
        }
        for p in s.spec.ports
        if p.public is not None
    ]
    return {
        "ID": s.id,
        "Version": _version(s.created),
        "CreatedAt": rfc3339(s.created),
        "UpdatedAt": rfc3339(s.created),
        "Spec": {
            "Name": s.name,
            "Labels": dict(s.labels),
            "TaskTemplate": {
                "ContainerSpec": {
                    "Image": s.image,
                    "Labels": {"com.docker.stack.namespace": s.stack.name},
                    "Env": list(s.spec.environment),
                },
                "ForceUpdate": 0,
                "Runtime": "container",
            },
            "Mode": mode,
            "EndpointSpec": {"Mode": "vip", "Ports": ports},
        },
        "Endpoint": {"Spec": {"Mode": "vip", "Ports": ports}, "Ports": ports},
    }


def task_view(engine: Engine, t: Task) -> dict[str, Any]:
    running = t.state == model.RUNNING
    return {
        "ID": t.id,
        "Version": _version(t.service.created),
        "CreatedAt": rfc3339(t.service.created),
        "UpdatedAt": rfc3339(t.service.created),
        "Labels": {},
        "Spec": {
            "ContainerSpec": {
                "Image": t.service.image,
                "Labels": {"com.docker.stack.namespace": t.service.stack.name},
            },
        },
        "ServiceID": t.service.id,
        "Slot": t.slot,
        "NodeID": t.node_id,
        "Status": {
            "Timestamp": rfc3339(t.service.created),
            "State": "running" if running else "shutdown",
            "Message": "started" if running else "shutdown",
            "ContainerStatus": {"ContainerID": t.container_id, "PID": 0, "ExitCode": 0},
        },
        "DesiredState": "running",
    }


def node_view(engine: Engine) -> dict[str, Any]:
    return {
        "ID": engine.node_id,
        "Version": _version(engine.env.created),
        "CreatedAt": rfc3339(engine.env.created),
        "UpdatedAt": rfc3339(engine.env.created),
        "Spec": {"Role": "manager", "Availability": "active", "Labels": {}},
        "Description": {
            "Hostname": engine.hostname,
            "Platform": {"Architecture": "x86_64", "OS": "linux"},
            "Resources": {"NanoCPUs": model.NCPU * 10**9, "MemoryBytes": model.MEM_TOTAL},
            "Engine": {"EngineVersion": model.DOCKER_VERSION},
        },
        "Status": {"State": "ready", "Addr": "10.0.0.2"},
        "ManagerStatus": {"Leader": True, "Reachability": "reachable", "Addr": "10.0.0.2:2377"},
    }


def swarm_view(engine: Engine, *, secrets: bool) -> dict[str, Any]:
    """GET /swarm; Portainer's proxy drops JoinTokens and TLSInfo for standard users."""
    view: dict[str, Any] = {
        "ID": engine.env.swarm_id,
        "Version": _version(engine.env.created),
        "CreatedAt": rfc3339(engine.env.created),
        "UpdatedAt": rfc3339(engine.env.created),
        "Spec": {"Name": "default", "Labels": {}},
        "TLSInfo": {"TrustRoot": "", "CertIssuerSubject": "", "CertIssuerPublicKey": ""},
        "RootRotationInProgress": False,
        "DataPathPort": 4789,
        "DefaultAddrPool": ["10.0.0.0/8"],
        "SubnetSize": 24,
        "JoinTokens": {
            "Worker": "SWMTKN-1-" + model.hex_id(engine.env.swarm_id, "worker")[:50],
            "Manager": "SWMTKN-1-" + model.hex_id(engine.env.swarm_id, "manager")[:50],
        },
    }
    if not secrets:
        del view["JoinTokens"], view["TLSInfo"]
    return view


def _swarm_info(engine: Engine) -> dict[str, Any]:
    if not engine.swarm:
        return {
            "NodeID": "",
            "NodeAddr": "",
            "LocalNodeState": "inactive",
            "ControlAvailable": False,
            "Error": "",
            "RemoteManagers": None,
        }
    return {
        "NodeID": engine.node_id,
        "NodeAddr": "10.0.0.2",
        "LocalNodeState": "active",
        "ControlAvailable": True,
        "Error": "",
        "RemoteManagers": [{"NodeID": engine.node_id, "Addr": "10.0.0.2:2377"}],
        "Nodes": 1,
        "Managers": 1,
        "Cluster": {
            "ID": engine.env.swarm_id,
            "Version": _version(engine.env.created),
            "CreatedAt": rfc3339(engine.env.created),
            "UpdatedAt": rfc3339(engine.env.created),
            "Spec": {"Name": "default", "Labels": {}},
        },
    }


def info_view(engine: Engine) -> dict[str, Any]:
    running = sum(c.state == model.RUNNING for c in engine.containers)
    return {
        "ID": engine.engine_id,
        "Containers": len(engine.containers),
        "ContainersRunning": running,
        "ContainersPaused": 0,
        "ContainersStopped": len(engine.containers) - running,
        "Images": len(engine.images()),
        "Driver": "overlay2",
        "DockerRootDir": "/var/lib/docker",
        "SystemTime": rfc3339(engine.now),
        "LoggingDriver": "json-file",
        "CgroupDriver": "systemd",
        "CgroupVersion": "2",
        "KernelVersion": model.KERNEL_VERSION,
        "OperatingSystem": "Ubuntu 24.04.1 LTS",
        "OSVersion": "24.04",
        "OSType": "linux",
        "Architecture": "x86_64",
        "NCPU": model.NCPU,
        "MemTotal": model.MEM_TOTAL,
        "Name": engine.hostname,
        "Labels": [],
        "ExperimentalBuild": False,
        "ServerVersion": model.DOCKER_VERSION,
        "Swarm": _swarm_info(engine),
    }


def version_view(engine: Engine) -> dict[str, Any]:
    return {
        "Platform": {"Name": "Docker Engine - Community"},
        "Components": [
            {
                "Name": "Engine",
                "Version": model.DOCKER_VERSION,
                "Details": {"ApiVersion": model.API_VERSION, "Os": "linux", "Arch": "amd64"},
            },
        ],
        "Version": model.DOCKER_VERSION,
        "ApiVersion": model.API_VERSION,
        "MinAPIVersion": model.MIN_API_VERSION,
        "GitCommit": "41ca978",
        "GoVersion": "go1.22.7",
        "Os": "linux",
        "Arch": "amd64",
        "KernelVersion": model.KERNEL_VERSION,
        "BuildTime": "2024-09-20T11:41:19.000000000+00:00",
    }


def snapshot_view(engine: Engine) -> dict[str, Any]:
    """The `DockerSnapshot` Portainer stores for an environment (counts from the engine)."""
    running = sum(c.state == model.RUNNING for c in engine.containers)
    return {
        "Time": engine.now,
        "DockerVersion": model.DOCKER_VERSION,
        "Swarm": engine.swarm,
        "TotalCPU": model.NCPU,
        "TotalMemory": model.MEM_TOTAL,
        "ContainerCount": len(engine.containers),
        "RunningContainerCount": running,
        "StoppedContainerCount": len(engine.containers) - running,
        "HealthyContainerCount": 0,
        "UnhealthyContainerCount": 0,
        "VolumeCount": len(engine.volumes),
        "ImageCount": len(engine.images()),
        "ServiceCount": len(engine.services),
        "StackCount": len(engine.stack_names()),
        "NodeCount": 1,
        "GpuUseAll": False,
        "GpuUseList": [],
        "IsPodman": False,
        "DockerSnapshotRaw": {},
    }
