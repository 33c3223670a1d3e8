
namespace Kiln.IntegrationTests.Amazon.Fake;

/// <summary>An EC2 Query API request's parameters, with the API's numbered-list conventions (Name.1, Name.1.Sub).</summary>
internal sealed class QueryForm(IReadOnlyDictionary<string, string> values)
{
    public IReadOnlyDictionary<string, string> Values => values;

    public string? this[string key] => values.GetValueOrDefault(key);

    public string Required(string key) =>
        values.GetValueOrDefault(key) ?? throw new FakeEc2Error("MissingParameter", $"The request must contain the parameter {key}");

    public bool? Bool(string key) => values.TryGetValue(key, out var v) ? bool.Parse(v) : null;

    public int? Int(string key) => values.TryGetValue(key, out var v) ? int.Parse(v, System.Globalization.CultureInfo.InvariantCulture) : null;

    /// <summary>Values of <c>prefix.1</c>, <c>prefix.2</c>, …</summary>
    public List<string> List(string prefix)
    {
        var result = new List<string>();
        for (var i = 1; values.TryGetValue($"{prefix}.{i}", out var v); i++)
        {
            result.Add(v);
        }

        return result;
    }

    /// <summary>Sub-forms of <c>prefix.1.*</c>, <c>prefix.2.*</c>, …</summary>
    public List<QueryForm> Members(string prefix)
    {
        var result = new List<QueryForm>();
        for (var i = 1; ; i++)
        {
            var start = $"{prefix}.{i}.";
            var sub = values.Where(kv => kv.Key.StartsWith(start, StringComparison.Ordinal))
                .ToDictionary(kv => kv.Key[start.Length..], kv => kv.Value, StringComparer.Ordinal);
            if (sub.Count == 0)
            {
                return result;
            }

            result.Add(new QueryForm(sub));
        }
    }

    /// <summary>The sub-form of <c>prefix.*</c>.</summary>
    public QueryForm Member(string prefix) =>
        new(values.Where(kv => kv.Key.StartsWith(prefix + ".", StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key[(prefix.Length + 1)..], kv => kv.Value, StringComparer.Ordinal));

    public List<(string Name, List<string> Values)> Filters() =>
        [.. Members("Filter").Select(f => (f.Required("Name"), f.List("Value")))];

    /// <summary>TagSpecification.N for one resource type.</summary>
    public Dictionary<string, string> TagsFor(string resourceType) =>
        Members("TagSpecification")
            .Where(s => s["ResourceType"] == resourceType)
            .SelectMany(s => s.Members("Tag"))
            .ToDictionary(t => t.Required("Key"), t => t["Value"] ?? "", StringComparer.Ordinal);
}
