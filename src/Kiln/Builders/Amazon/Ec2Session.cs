using Amazon.EC2;
using Amazon.EC2.Model;
using Kiln.Engine;

namespace Kiln.Builders.Amazon;

/// <summary>What every EC2 step uses: clients per region, the retry policy, the waiter and the run's tags.</summary>
internal sealed class Ec2Session(Ec2Clients clients, Ec2Location home, Ec2Call call, Ec2Waiter waiter, string runId) : IDisposable
{
    public Ec2Location Home { get; } = home;

    public string Region => Home.Region;

    public string RunId { get; } = runId;

    public Ec2Waiter Waiter { get; } = waiter;

    public Task<T> CallAsync<T>(string action, Func<IAmazonEC2, CancellationToken, Task<T>> request, CancellationToken cancellationToken) =>
        CallAsync(Region, action, request, cancellationToken);

    public Task<T> CallAsync<T>(string region, string action, Func<IAmazonEC2, CancellationToken, Task<T>> request, CancellationToken cancellationToken) =>
        call.RunAsync(region, action, request, clients.For(region), cancellationToken);

    /// <summary>The user's tags plus the run tag that lets a sweep find leftovers of a dead run.</summary>
    public List<Tag> Tags(IReadOnlyDictionary<string, string>? extra = null, string? name = null)
    {
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        if (name is not null)
        {
            tags["Name"] = name;
        }

        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            tags[key] = value;
        }

        tags[Ec2ResourceKinds.RunTag] = RunId;
        return [.. tags.Select(t => new Tag(t.Key, t.Value))];
    }

    public TagSpecification TagSpecification(ResourceType type, List<Tag> tags) => new() { ResourceType = type, Tags = tags };

    public LedgerResource Resource(string kind, string id, Ec2Location? location = null, params (string Key, string Value)[] data) =>
        new(kind, id, (location ?? Home).ToLedgerData([(Ec2ResourceKinds.RunKey, RunId), .. data]));

    public void Dispose() => clients.Dispose();
}
