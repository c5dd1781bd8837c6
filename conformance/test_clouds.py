"""Clouds through the official SDK: `brickport emulator --cloud aws|azure|gcp` offers that
cloud's node types, Spark versions and zones (and the SDK's selectors pick from them), refuses
another cloud's attributes, accepts its own; the instance-profiles API exists on AWS only."""

from datetime import timedelta

import pytest
from databricks.sdk.errors import InvalidParameterValue, NotFound
from databricks.sdk.service import compute

from helpers import unique

WAIT = timedelta(seconds=30)
CLOUDS = ["aws", "azure", "gcp"]
ARN = "arn:aws:iam::123456789012:instance-profile/conformance"

# The cloud's own attributes, a node type only that cloud offers, and its zones.
OWN = {
    "aws": {
        "aws_attributes": compute.AwsAttributes(
            availability=compute.AwsAvailability.SPOT_WITH_FALLBACK,
            first_on_demand=1,
            zone_id="auto",
            ebs_volume_type=compute.EbsVolumeType.GENERAL_PURPOSE_SSD,
            ebs_volume_count=1,
            ebs_volume_size=100,
        )
    },
    "azure": {
        "azure_attributes": compute.AzureAttributes(
            availability=compute.AzureAvailability.SPOT_WITH_FALLBACK_AZURE,
            first_on_demand=1,
            spot_bid_max_price=-1,
        )
    },
    "gcp": {
        "gcp_attributes": compute.GcpAttributes(
            availability=compute.GcpAvailability.PREEMPTIBLE_WITH_FALLBACK_GCP,
            first_on_demand=1,
            zone_id="HA",
        )
    },
}
ONLY = {"aws": "i3.xlarge", "azure": "Standard_DS3_v2", "gcp": "n2-highmem-4"}
DEFAULT_ZONE = {"aws": "us-east-1a", "azure": None, "gcp": "us-central1-a"}


@pytest.fixture(scope="module", params=CLOUDS)
def cloud(request, start_emulator):
    """(cloud name, SDK client) on an empty emulator of that cloud."""
    emu = start_emulator("--seed", "none", "--rate-limits", "off", "--cloud", request.param)
    return request.param, emu.client()


def test_catalogue_and_selectors(cloud):
    name, w = cloud
    ids = {nt.node_type_id for nt in w.clusters.list_node_types().node_types}
    for other, only in ONLY.items():
        assert (only in ids) == (other == name), (name, only)
    keys = {v.key for v in w.clusters.spark_versions().versions}
    assert ("15.3.x-scala2.12" in keys) == (name == "aws"), "the older non-LTS runtime is AWS-only"
    assert w.clusters.select_spark_version(latest=True, long_term_support=True) == "16.4.x-scala2.12"
    assert w.clusters.select_spark_version(latest=True, long_term_support=True, ml=True) in keys
    assert "-gpu-ml-" in w.clusters.select_spark_version(long_term_support=True, ml=True, gpu=True)
    assert "-photon-" in w.clusters.select_spark_version(long_term_support=True, photon=True)
    smallest = w.clusters.select_node_type(local_disk=True)
    gpu = w.clusters.select_node_type(min_gpus=1)
    photon = w.clusters.select_node_type(min_cores=8, photon_worker_capable=True)
    assert {smallest, gpu, photon} <= ids
    zones = w.clusters.list_zones()
    assert zones.default_zone == DEFAULT_ZONE[name]
    assert (zones.default_zone in (zones.zones or [])) or zones.default_zone is None


def test_own_attributes_accepted_others_refused(cloud):
    name, w = cloud
    spec = {
        "spark_version": w.clusters.select_spark_version(latest=True, long_term_support=True),
        "node_type_id": w.clusters.select_node_type(),
        "num_workers": 1,
        "autotermination_minutes": 30,
    }
    made = w.clusters.create(cluster_name=unique("own"), **spec, **OWN[name]).result(timeout=WAIT)
    got = w.clusters.get(made.cluster_id)
    field = f"{name}_attributes"
    assert getattr(got, field) is not None
    for other in CLOUDS:
        if other == name:
            continue
        with pytest.raises(InvalidParameterValue) as e:
            w.clusters.create(cluster_name=unique("foreign"), **spec, **OWN[other])
        assert f"{other}_attributes can only be specified" in str(e.value)
    w.clusters.permanent_delete(made.cluster_id)


def test_instance_profiles(cloud):
    name, w = cloud
    if name != "aws":
        with pytest.raises(NotFound):
            list(w.instance_profiles.list())
        return
    assert list(w.instance_profiles.list()) == []
    spec = {
        "cluster_name": unique("profiled"),
        "spark_version": "15.4.x-scala2.12",
        "node_type_id": "i3.xlarge",
        "num_workers": 1,
        "aws_attributes": compute.AwsAttributes(instance_profile_arn=ARN),
    }
    with pytest.raises(InvalidParameterValue):
        w.clusters.create(**spec)
    w.instance_profiles.add(ARN, skip_validation=True)
    [p] = list(w.instance_profiles.list())
    assert (p.instance_profile_arn, p.is_meta_instance_profile) == (ARN, False)
    role = "arn:aws:iam::123456789012:role/conformance-role"
    w.instance_profiles.edit(ARN, iam_role_arn=role, is_meta_instance_profile=True)
    [p] = list(w.instance_profiles.list())
    assert (p.iam_role_arn, p.is_meta_instance_profile) == (role, True)
    made = w.clusters.create(**spec).result(timeout=WAIT)
    assert w.clusters.get(made.cluster_id).aws_attributes.instance_profile_arn == ARN
    w.instance_profiles.remove(ARN)
    assert list(w.instance_profiles.list()) == []


@pytest.mark.parametrize("name", CLOUDS)
def test_typical_seed_carries_its_clouds_attributes(start_emulator, name):
    w = start_emulator("--seed", "typical", "--rate-limits", "off", "--cloud", name).client()
    offered = {nt.node_type_id for nt in w.clusters.list_node_types().node_types}
    clusters = list(w.clusters.list())
    assert {c.node_type_id for c in clusters} <= offered
    own = [getattr(c, f"{name}_attributes") for c in clusters]
    assert any(a is not None and a.first_on_demand == 1 for a in own)
    for other in CLOUDS:
        if other != name:
            assert all(getattr(c, f"{other}_attributes") is None for c in clusters)
    pools = list(w.instance_pools.list())
    assert any(getattr(p, f"{name}_attributes") is not None for p in pools)
    if name == "aws":
        arns = {p.instance_profile_arn for p in w.instance_profiles.list()}
        used = {c.aws_attributes.instance_profile_arn for c in clusters if c.aws_attributes}
        assert len(arns) == 2 and (used - {None}) <= arns
