using System.ComponentModel;
using Kiln.Definitions;

namespace Kiln.Publishers;

[Description("Uploads the input artifacts' files to a GitHub release, creating the release for the tag if needed and replacing assets of the same name.")]
internal sealed class GitHubReleaseConfig : PublisherConfig, IValidatableConfig
{
    [Description("Owner (user or organisation) of the repository.")]
    public required string Owner { get; init; }

    [Description("Repository name.")]
    public required string Repository { get; init; }

    [Description("Tag of the release; created with the release if it does not exist.")]
    public required string Tag { get; init; }

    [Description("Title of a release Kiln creates. Default: the tag.")]
    public string? Name { get; init; }

    [Description("Description of a release Kiln creates (Markdown).")]
    public string? Body { get; init; }

    public bool Draft { get; init; }

    public bool Prerelease { get; init; }

    [Description("Commit-ish the tag is created from when it does not exist yet. Default: the repository's default branch.")]
    public string? TargetCommitish { get; init; }

    [Description("Token with contents:write on the repository, e.g. `{{ env.GITHUB_TOKEN }}` or a sensitive variable. Default: the GITHUB_TOKEN environment variable.")]
    public string? Token { get; init; }

    [Description("API root, for GitHub Enterprise Server (e.g. https://github.example.com/).")]
    public string ApiUrl { get; init; } = "https://api.github.com/";

    [Description("Replace an asset that has the same name as a file to upload; when false that is an error.")]
    public bool ReplaceAssets { get; init; } = true;

    [Description("Longest time one request (an upload included) may take.")]
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromHours(1);

    public IEnumerable<ConfigProblem> Validate()
    {
        if (!Uri.TryCreate(ApiUrl, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http"))
        {
            yield return new ConfigProblem("api_url", $"'{ApiUrl}' is not an http(s) URL", "for example `api_url: https://github.example.com/`");
        }

        foreach (var (key, value) in new[] { ("owner", Owner), ("repository", Repository), ("tag", Tag) })
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                yield return new ConfigProblem(key, "must not be empty");
            }
        }

        if (RequestTimeout <= TimeSpan.Zero)
        {
            yield return new ConfigProblem("request_timeout", "must be longer than zero", "for example `request_timeout: 1h`");
        }
    }
}
