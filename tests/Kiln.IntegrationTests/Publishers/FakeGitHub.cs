using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Kiln.IntegrationTests.Publishers;

/// <summary>
/// The part of GitHub Enterprise's REST API that releases use, on 127.0.0.1, speaking its wire format (paths under
/// /api/v3, uploads under /api/uploads, snake_case JSON, GitHub's error bodies) so that Octokit's real client talks to it.
/// </summary>
internal sealed class FakeGitHub : IAsyncDisposable
{
    private readonly object _gate = new();
    private readonly List<FakeRelease> _releases = [];
    private int _nextId = 1000;
    private FakeHttpServer? _server;

    private FakeGitHub(string token) => Token = token;

    public string Token { get; }

    public HashSet<string> Repositories { get; } = new(StringComparer.OrdinalIgnoreCase);

    public ConcurrentQueue<string> Requests { get; } = new();

    public ConcurrentQueue<string> AuthorizationHeaders { get; } = new();

    /// <summary>Makes the next asset listing miss existing assets, as when another uploader races this one.</summary>
    public bool HideAssetsFromNextListing { get; set; }

    public string BaseUrl => _server!.BaseUrl;

    public IReadOnlyList<FakeRelease> Releases
    {
        get
        {
            lock (_gate)
            {
                return [.. _releases];
            }
        }
    }

    public static async Task<FakeGitHub> StartAsync(string token, CancellationToken cancellationToken)
    {
        var fake = new FakeGitHub(token);
        fake._server = await FakeHttpServer.StartAsync(fake.Map, cancellationToken);
        return fake;
    }

    public FakeRelease AddRelease(string repository, string tag, bool draft = false)
    {
        lock (_gate)
        {
            var release = new FakeRelease(_nextId++, repository, tag) { Draft = draft, Name = tag };
            _releases.Add(release);
            return release;
        }
    }

    public FakeAsset AddAsset(FakeRelease release, string name, byte[] content)
    {
        lock (_gate)
        {
            var asset = new FakeAsset(_nextId++, name, "application/octet-stream", content);
            release.Assets.Add(asset);
            return asset;
        }
    }

    public ValueTask DisposeAsync() => _server?.DisposeAsync() ?? ValueTask.CompletedTask;

    private static IResult Error(int status, string message, JsonArray? errors = null)
    {
        var body = new JsonObject { ["message"] = message, ["documentation_url"] = "https://docs.github.com/enterprise-server@3.14/rest" };
        if (errors is not null)
        {
            body["errors"] = errors;
        }

        return Results.Json(body, statusCode: status);
    }

    private void Map(WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            Requests.Enqueue($"{context.Request.Method} {context.Request.Path}{context.Request.QueryString}");
            var authorization = context.Request.Headers.Authorization.ToString();
            AuthorizationHeaders.Enqueue(authorization);
            // GitHub takes the scheme in any case: Octokit sends "Token", curl users "token" or "Bearer".
            var parts = authorization.Split(' ', 2);
            if (parts.Length != 2 || !(parts[0].Equals("token", StringComparison.OrdinalIgnoreCase) || parts[0].Equals("bearer", StringComparison.OrdinalIgnoreCase)) || parts[1] != Token)
            {
                await Error(StatusCodes.Status401Unauthorized, "Bad credentials").ExecuteAsync(context);
                return;
            }

            var segments = context.Request.Path.Value!.Split('/', StringSplitOptions.RemoveEmptyEntries);
            var repository = segments.Length >= 5 && segments[2] == "repos" ? $"{segments[3]}/{segments[4]}" : null;
            if (repository is not null && !Repositories.Contains(repository))
            {
                await Error(StatusCodes.Status404NotFound, "Not Found").ExecuteAsync(context);
                return;
            }

            await next(context);
        });

        app.MapGet("/api/v3/repos/{owner}/{repo}/releases/tags/{tag}", (string owner, string repo, string tag) =>
        {
            lock (_gate)
            {
                // Like GitHub: drafts have no tag yet, so this endpoint does not find them.
                var release = _releases.FirstOrDefault(r => r.Repository == $"{owner}/{repo}" && r.Tag == tag && !r.Draft);
                return release is null ? Error(404, "Not Found") : Results.Json(ReleaseJson(release));
            }
        });

        app.MapGet("/api/v3/repos/{owner}/{repo}/releases", (string owner, string repo) =>
        {
            lock (_gate)
            {
                return Results.Json(new JsonArray([.. _releases.Where(r => r.Repository == $"{owner}/{repo}").Reverse().Select(r => (JsonNode)ReleaseJson(r))]));
            }
        });

        app.MapPost("/api/v3/repos/{owner}/{repo}/releases", async (string owner, string repo, HttpRequest request) =>
        {
            var body = (await JsonNode.ParseAsync(request.Body))!.AsObject();
            var tag = (string?)body["tag_name"];
            lock (_gate)
            {
                if (string.IsNullOrEmpty(tag) || _releases.Any(r => r.Repository == $"{owner}/{repo}" && r.Tag == tag))
                {
                    return Error(422, "Validation Failed", [new JsonObject { ["resource"] = "Release", ["code"] = "already_exists", ["field"] = "tag_name" }]);
                }

                var release = new FakeRelease(_nextId++, $"{owner}/{repo}", tag)
                {
                    Name = (string?)body["name"],
                    Body = (string?)body["body"],
                    Draft = (bool?)body["draft"] ?? false,
                    Prerelease = (bool?)body["prerelease"] ?? false,
                    TargetCommitish = (string?)body["target_commitish"] ?? "main",
                };
                _releases.Add(release);
                return Results.Json(ReleaseJson(release), statusCode: 201);
            }
        });

        app.MapGet("/api/v3/repos/{owner}/{repo}/releases/{id:long}/assets", (string owner, string repo, long id) =>
        {
            lock (_gate)
            {
                var release = _releases.FirstOrDefault(r => r.Id == id && r.Repository == $"{owner}/{repo}");
                if (release is null)
                {
                    return Error(404, "Not Found");
                }

                var hide = HideAssetsFromNextListing;
                HideAssetsFromNextListing = false;
                return Results.Json(new JsonArray([.. (hide ? new List<FakeAsset>() : release.Assets).Select(a => (JsonNode)AssetJson(a, release))]));
            }
        });

        app.MapDelete("/api/v3/repos/{owner}/{repo}/releases/assets/{id:int}", (string owner, string repo, int id) =>
        {
            lock (_gate)
            {
                var release = _releases.FirstOrDefault(r => r.Repository == $"{owner}/{repo}" && r.Assets.Any(a => a.Id == id));
                if (release is null)
                {
                    return Error(404, "Not Found");
                }

                release.Assets.RemoveAll(a => a.Id == id);
                return Results.NoContent();
            }
        });

        app.MapPost("/api/uploads/repos/{owner}/{repo}/releases/{id:long}/assets", async (string owner, string repo, long id, HttpRequest request) =>
        {
            var name = request.Query["name"].ToString();
            using var content = new MemoryStream();
            await request.Body.CopyToAsync(content);
            lock (_gate)
            {
                var release = _releases.FirstOrDefault(r => r.Id == id && r.Repository == $"{owner}/{repo}");
                if (release is null)
                {
                    return Error(404, "Not Found");
                }

                if (string.IsNullOrEmpty(name) || release.Assets.Any(a => a.Name == name))
                {
                    return Error(422, "Validation Failed", [new JsonObject { ["resource"] = "ReleaseAsset", ["code"] = "already_exists", ["field"] = "name" }]);
                }

                var asset = new FakeAsset(_nextId++, name, request.ContentType ?? "application/octet-stream", content.ToArray());
                release.Assets.Add(asset);
                return Results.Json(AssetJson(asset, release), statusCode: 201);
            }
        });
    }

    private JsonObject ReleaseJson(FakeRelease release)
    {
        var api = $"{BaseUrl}api/v3/repos/{release.Repository}";
        var web = $"{BaseUrl}{release.Repository}";
        return new JsonObject
        {
            ["url"] = $"{api}/releases/{release.Id}",
            ["html_url"] = release.Draft ? $"{web}/releases/tag/untagged-{release.Id}" : $"{web}/releases/tag/{release.Tag}",
            ["assets_url"] = $"{api}/releases/{release.Id}/assets",
            ["upload_url"] = $"{BaseUrl}api/uploads/repos/{release.Repository}/releases/{release.Id}/assets{{?name,label}}",
            ["tarball_url"] = $"{api}/tarball/{release.Tag}",
            ["zipball_url"] = $"{api}/zipball/{release.Tag}",
            ["id"] = release.Id,
            ["node_id"] = $"RE_{release.Id}",
            ["tag_name"] = release.Tag,
            ["target_commitish"] = release.TargetCommitish,
            ["name"] = release.Name,
            ["body"] = release.Body,
            ["draft"] = release.Draft,
            ["prerelease"] = release.Prerelease,
            ["created_at"] = "2026-11-23T10:00:00Z",
            ["published_at"] = release.Draft ? null : "2026-11-23T10:00:00Z",
            ["author"] = User(),
            ["assets"] = new JsonArray([.. release.Assets.Select(a => (JsonNode)AssetJson(a, release))]),
        };
    }

    private JsonObject AssetJson(FakeAsset asset, FakeRelease release) => new()
    {
        ["url"] = $"{BaseUrl}api/v3/repos/{release.Repository}/releases/assets/{asset.Id}",
        ["browser_download_url"] = $"{BaseUrl}{release.Repository}/releases/download/{release.Tag}/{Uri.EscapeDataString(asset.Name)}",
        ["id"] = asset.Id,
        ["node_id"] = $"RA_{asset.Id}",
        ["name"] = asset.Name,
        ["label"] = string.Empty,
        ["state"] = "uploaded",
        ["content_type"] = asset.ContentType,
        ["size"] = asset.Content.Length,
        ["download_count"] = 0,
        ["created_at"] = "2026-11-23T10:00:00Z",
        ["updated_at"] = "2026-11-23T10:00:00Z",
        ["uploader"] = User(),
    };

    private static JsonObject User() => new()
    {
        ["login"] = "kiln-bot",
        ["id"] = 4242,
        ["node_id"] = "U_kiln",
        ["type"] = "Bot",
        ["site_admin"] = false,
        ["created_at"] = "2020-01-01T00:00:00Z",
        ["updated_at"] = "2020-01-01T00:00:00Z",
    };
}

internal sealed class FakeRelease(long id, string repository, string tag)
{
    public long Id { get; } = id;

    public string Repository { get; } = repository;

    public string Tag { get; } = tag;

    public string? Name { get; set; }

    public string? Body { get; set; }

    public bool Draft { get; set; }

    public bool Prerelease { get; set; }

    public string TargetCommitish { get; set; } = "main";

    public List<FakeAsset> Assets { get; } = [];

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Repository}@{Tag}#{Id}");
}

internal sealed record FakeAsset(int Id, string Name, string ContentType, byte[] Content);
