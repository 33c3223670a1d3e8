using Kiln.Engine;

namespace Kiln.Builders.Amazon;

/// <summary>
/// Where an EC2 resource lives and how to reach it again: what a ledger record must carry so that a sweep in
/// another process, with nothing else, can find and delete it.
/// </summary>
internal sealed record Ec2Location(string Region, string? Profile, string? Endpoint)
{
    private const string RegionKey = "region";
    private const string ProfileKey = "profile";
    private const string EndpointKey = "endpoint";

    public Ec2Location InRegion(string region) => this with { Region = region };

    public Dictionary<string, string> ToLedgerData(params (string Key, string Value)[] extra)
    {
        var data = new Dictionary<string, string>(StringComparer.Ordinal) { [RegionKey] = Region };
        if (Profile is not null)
        {
            data[ProfileKey] = Profile;
        }

        if (Endpoint is not null)
        {
            data[EndpointKey] = Endpoint;
        }

        foreach (var (key, value) in extra)
        {
            data[key] = value;
        }

        return data;
    }

    public static Ec2Location FromLedger(LedgerResource resource) =>
        new(
            resource.Data.TryGetValue(RegionKey, out var region)
                ? region
                : throw new InvalidOperationException($"Ledger record {resource.Kind} {resource.Id} has no region."),
            resource.Data.GetValueOrDefault(ProfileKey),
            resource.Data.GetValueOrDefault(EndpointKey));

    public override string ToString() => Endpoint is null ? Region : $"{Region} at {Endpoint}";
}
