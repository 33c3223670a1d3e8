using System.Text.RegularExpressions;

namespace Kiln.IntegrationTests.Amazon.Fake;

/// <summary>A resource of the fake with tags and filterable attributes.</summary>
internal abstract class FakeResource
{
    public required string Id { get; init; }

    public required string Region { get; init; }

    public Dictionary<string, string> Tags { get; } = new(StringComparer.Ordinal);

    /// <summary>Values EC2 filters by (filter name → values), tags aside.</summary>
    public abstract IEnumerable<(string Filter, string? Value)> FilterValues(DateTimeOffset now);

    public bool Matches(IEnumerable<(string Name, List<string> Values)> filters, DateTimeOffset now) =>
        filters.All(f => f.Name switch
        {
            "tag-key" => Tags.Keys.Any(k => f.Values.Any(v => Wildcard(v, k))),
            _ when f.Name.StartsWith("tag:", StringComparison.Ordinal) =>
                Tags.TryGetValue(f.Name[4..], out var tag) && f.Values.Any(v => Wildcard(v, tag)),
            _ => FilterValues(now).Any(a => a.Filter == f.Name && a.Value is not null && f.Values.Any(v => Wildcard(v, a.Value))),
        });

    private static bool Wildcard(string pattern, string value) =>
        Regex.IsMatch(value, "^" + Regex.Escape(pattern).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "$");
}

/// <summary>A state that becomes the next one after a delay, the way EC2's resources move on their own.</summary>
internal sealed class Transition(string current, DateTimeOffset since, string? next = null, TimeSpan after = default)
{
    public string Current { get; private set; } = current;

    public DateTimeOffset Since { get; private set; } = since;

    public string? Next { get; private set; } = next;

    public TimeSpan After { get; private set; } = after;

    public string At(DateTimeOffset now)
    {
        if (Next is not null && now - Since >= After)
        {
            Since += After;
            Current = Next;
            Next = null;
        }

        return Current;
    }

    public void Move(string to, DateTimeOffset now, string? then = null, TimeSpan after = default)
    {
        Current = to;
        Since = now;
        Next = then;
        After = after;
    }
}

internal sealed class FakeInstance : FakeResource
{
    public required string ImageId { get; init; }

    public required string InstanceType { get; init; }

    public required string? KeyName { get; init; }

    public required string SubnetId { get; init; }

    public required string VpcId { get; init; }

    public required List<string> SecurityGroupIds { get; init; }

    public required string ClientToken { get; init; }

    public required string PrivateIp { get; init; }

    public string? PublicIp { get; init; }

    public required string HttpTokens { get; init; }

    public required string RootDeviceName { get; init; }

    public required List<(string Device, string VolumeId, int Size, bool Encrypted)> Volumes { get; init; }

    public required Transition State { get; init; }

    public bool EnaSupport { get; set; }

    public DateTimeOffset? TerminatedAt { get; set; }

    public override IEnumerable<(string Filter, string? Value)> FilterValues(DateTimeOffset now) =>
    [
        ("instance-id", Id), ("client-token", ClientToken), ("instance-state-name", State.At(now)),
        ("image-id", ImageId), ("subnet-id", SubnetId), ("vpc-id", VpcId), ("key-name", KeyName),
        .. SecurityGroupIds.Select(g => ("instance.group-id", (string?)g)),
    ];
}

internal sealed class FakeImage : FakeResource
{
    public required string Name { get; init; }

    public string? Description { get; init; }

    public required string OwnerId { get; init; }

    public required string CreationDate { get; init; }

    public required string RootDeviceName { get; init; }

    public required List<(string Device, string SnapshotId, int Size, bool Encrypted)> Devices { get; init; }

    public required Transition State { get; init; }

    public bool EnaSupport { get; set; }

    public string? SourceImageId { get; init; }

    public HashSet<string> LaunchUsers { get; } = new(StringComparer.Ordinal);

    public HashSet<string> LaunchGroups { get; } = new(StringComparer.Ordinal);

    public override IEnumerable<(string Filter, string? Value)> FilterValues(DateTimeOffset now) =>
    [
        ("image-id", Id), ("name", Name), ("state", State.At(now)), ("owner-id", OwnerId), ("architecture", "x86_64"),
        ("root-device-type", "ebs"), ("virtualization-type", "hvm"),
    ];
}

internal sealed class FakeSnapshot : FakeResource
{
    public required string OwnerId { get; init; }

    public required int Size { get; init; }

    public bool Encrypted { get; init; }

    public string? Description { get; init; }

    public override IEnumerable<(string Filter, string? Value)> FilterValues(DateTimeOffset now) =>
        [("snapshot-id", Id), ("owner-id", OwnerId), ("status", "completed")];
}

internal sealed class FakeKeyPair : FakeResource
{
    public required string Name { get; init; }

    public required string KeyType { get; init; }

    public required string PublicKey { get; init; }

    public required string Fingerprint { get; init; }

    public override IEnumerable<(string Filter, string? Value)> FilterValues(DateTimeOffset now) =>
        [("key-name", Name), ("key-pair-id", Id), ("key-type", KeyType)];
}

internal sealed class FakeSecurityGroup : FakeResource
{
    public required string Name { get; init; }

    public required string Description { get; init; }

    public required string VpcId { get; init; }

    public List<(string Protocol, int From, int To, List<string> Cidrs)> Ingress { get; } = [];

    public override IEnumerable<(string Filter, string? Value)> FilterValues(DateTimeOffset now) =>
        [("group-name", Name), ("group-id", Id), ("vpc-id", VpcId)];
}

internal sealed class FakeVpc : FakeResource
{
    public required string Cidr { get; init; }

    public required bool IsDefault { get; init; }

    public override IEnumerable<(string Filter, string? Value)> FilterValues(DateTimeOffset now) =>
        [("vpc-id", Id), ("is-default", IsDefault ? "true" : "false"), ("cidr", Cidr), ("state", "available")];
}

internal sealed class FakeSubnet : FakeResource
{
    public required string VpcId { get; init; }

    public required string Cidr { get; init; }

    public required string AvailabilityZone { get; init; }

    public required bool DefaultForAz { get; init; }

    public override IEnumerable<(string Filter, string? Value)> FilterValues(DateTimeOffset now) =>
    [
        ("subnet-id", Id), ("vpc-id", VpcId), ("state", "available"), ("availability-zone", AvailabilityZone),
        ("default-for-az", DefaultForAz ? "true" : "false"),
    ];
}
