using Kiln.Diagnostics;
using Kiln.Engine;
using Octokit;
using Artifact = Kiln.Model.Artifact;

namespace Kiln.Publishers;

/// <summary>
/// Publishes the input artifacts' files as assets of the release for a tag, through Octokit. Its artifact
/// (builder type "github-release", id the release's web URL) has no local files; outputs are <c>release_url</c>,
/// <c>release_id</c>, <c>tag</c>, <c>download_url</c> (the first asset) and <c>download_urls</c> (one per line).
/// The token is registered with the redactor before first use and never appears in what Kiln prints.
/// </summary>
internal sealed class GitHubReleasePublisher : Publisher<GitHubReleaseConfig>
{
    private readonly Func<string, string?> _environment;

    public GitHubReleasePublisher()
        : this(System.Environment.GetEnvironmentVariable)
    {
    }

    internal GitHubReleasePublisher(Func<string, string?> environment) => _environment = environment;

    public override string Type => "github-release";

    protected override async Task<IReadOnlyList<Artifact>> PublishAsync(
        GitHubReleaseConfig config, BuildState state, IReadOnlyList<Artifact> inputs, CancellationToken cancellationToken)
    {
        var context = state.Context;
        var token = config.Token is { Length: > 0 } configured ? configured : _environment("GITHUB_TOKEN");
        if (string.IsNullOrEmpty(token))
        {
            throw new KilnException(
                $"github-release: no token to publish to {config.Owner}/{config.Repository}",
                "set the GITHUB_TOKEN environment variable, or `token: \"{{ env.GITHUB_TOKEN }}\"` / a sensitive variable in the definition");
        }

        context.Redactor.Add(token);
        var repository = $"{config.Owner}/{config.Repository}";
        var client = new GitHubClient(
            new ProductHeaderValue("Kiln", typeof(GitHubReleasePublisher).Assembly.GetName().Version?.ToString(3) ?? "0"),
            new Uri(config.ApiUrl))
        {
            Credentials = new Credentials(token),
        };
        client.SetRequestTimeout(config.RequestTimeout);

        try
        {
            var release = await FindOrCreateReleaseAsync(client, config, context, cancellationToken);
            var assets = (await client.Repository.Release.GetAllAssets(config.Owner, config.Repository, release.Id).WaitAsync(cancellationToken)).ToList();
            var uploaded = new List<ReleaseAsset>();
            foreach (var file in inputs.SelectMany(a => a.Files).Select(f => Path.GetFullPath(f.Path)).Distinct())
            {
                uploaded.Add(await UploadAsync(client, config, context, release, assets, file, cancellationToken));
            }

            context.Log.Info($"github-release: {uploaded.Count} asset(s) on {release.HtmlUrl}");
            var outputs = new Dictionary<string, string>
            {
                ["release_url"] = release.HtmlUrl,
                ["release_id"] = release.Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["tag"] = release.TagName,
                ["download_urls"] = string.Join("\n", uploaded.Select(a => a.BrowserDownloadUrl)),
            };
            if (uploaded.Count > 0)
            {
                outputs["download_url"] = uploaded[0].BrowserDownloadUrl;
            }

            return [new Artifact { BuilderType = Type, Id = release.HtmlUrl, Outputs = outputs }];
        }
        catch (AuthorizationException ex)
        {
            throw Explain(context, $"GitHub at {config.ApiUrl} rejected the token (401 {Reason(ex)}) for {repository}",
                "check that the token is valid, not expired and not revoked");
        }
        catch (ForbiddenException ex)
        {
            throw Explain(context, $"the token may not write releases of {repository} (403 {Reason(ex)})",
                "the token needs contents: write on the repository (classic tokens: the repo scope)");
        }
        catch (NotFoundException)
        {
            throw Explain(context, $"repository {repository} not found at {config.ApiUrl} (404)",
                "check owner, repository and api_url; GitHub also answers 404 when the token cannot see a private repository");
        }
        catch (ApiException ex)
        {
            throw Explain(context, $"GitHub answered {(int)ex.StatusCode} {Reason(ex)} for {repository}", "see https://www.githubstatus.com/ or retry later");
        }
        catch (HttpRequestException ex)
        {
            throw Explain(context, $"could not reach {config.ApiUrl}: {ex.Message}", "check api_url and the network");
        }
    }

    private static async Task<Release> FindOrCreateReleaseAsync(
        GitHubClient client, GitHubReleaseConfig config, BuildContext context, CancellationToken cancellationToken)
    {
        var releases = client.Repository.Release;
        try
        {
            var existing = await releases.Get(config.Owner, config.Repository, config.Tag).WaitAsync(cancellationToken);
            context.Log.Info($"github-release: using release {existing.HtmlUrl}");
            return existing;
        }
        catch (NotFoundException)
        {
            // The by-tag endpoint does not see drafts: look through the list before creating a second release.
        }

        var draft = (await releases.GetAll(config.Owner, config.Repository).WaitAsync(cancellationToken))
            .FirstOrDefault(r => string.Equals(r.TagName, config.Tag, StringComparison.Ordinal));
        if (draft is not null)
        {
            context.Log.Info($"github-release: using release {draft.HtmlUrl}");
            return draft;
        }

        var created = await releases.Create(config.Owner, config.Repository, new NewRelease(config.Tag)
        {
            Name = config.Name ?? config.Tag,
            Body = config.Body,
            Draft = config.Draft,
            Prerelease = config.Prerelease,
            TargetCommitish = config.TargetCommitish,
        }).WaitAsync(cancellationToken);
        context.Log.Info($"github-release: created release {created.HtmlUrl}");
        return created;
    }

    private static async Task<ReleaseAsset> UploadAsync(
        GitHubClient client,
        GitHubReleaseConfig config,
        BuildContext context,
        Release release,
        List<ReleaseAsset> assets,
        string file,
        CancellationToken cancellationToken)
    {
        var name = Path.GetFileName(file);
        for (var attempt = 1; ; attempt++)
        {
            foreach (var existing in assets.Where(a => string.Equals(a.Name, name, StringComparison.Ordinal)).ToList())
            {
                if (!config.ReplaceAssets)
                {
                    throw new KilnException(
                        $"github-release: {release.HtmlUrl} already has an asset named {name}",
                        "set `replace_assets: true` to replace it, or publish under another tag");
                }

                context.Log.Info($"github-release: replacing asset {name}");
                await client.Repository.Release.DeleteAsset(config.Owner, config.Repository, existing.Id).WaitAsync(cancellationToken);
                assets.Remove(existing);
            }

            try
            {
                await using var stream = StreamCopy.OpenRead(file);
                using var progress = context.Progress.Start($"upload {name}", stream.Length);
                await using var body = new ProgressReadStream(stream, progress);
                var asset = await client.Repository.Release.UploadAsset(
                    release, new ReleaseAssetUpload(name, ContentType(name), body, config.RequestTimeout), cancellationToken);
                assets.Add(asset);
                return asset;
            }
            catch (ApiValidationException) when (attempt == 1)
            {
                // 422: an asset of that name appeared after we listed (another build, or an upload GitHub half-kept).
                assets = [.. await client.Repository.Release.GetAllAssets(config.Owner, config.Repository, release.Id).WaitAsync(cancellationToken)];
            }
        }
    }

    private static string ContentType(string name) => Path.GetExtension(name).ToLowerInvariant() switch
    {
        ".json" => "application/json",
        ".gz" or ".box" => "application/gzip",
        ".zst" => "application/zstd",
        ".txt" or ".sha256sums" or ".sha512sums" => "text/plain",
        _ => "application/octet-stream",
    };

    private static string Reason(ApiException ex) => ex.ApiError?.Message ?? ex.StatusCode.ToString();

    /// <summary>Octokit's exception is not kept as the inner one: its text and request data are not redacted.</summary>
    private static KilnException Explain(BuildContext context, string message, string hint) =>
        new(context.Redactor.Redact("github-release: " + message), context.Redactor.Redact(hint));
}
