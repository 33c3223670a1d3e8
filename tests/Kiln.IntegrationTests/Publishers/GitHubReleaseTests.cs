using Kiln.Diagnostics;
using Kiln.Engine;
using Kiln.Publishers;
using Kiln.Testing;

namespace Kiln.IntegrationTests.Publishers;

/// <summary>Octokit's real client against a fake GitHub Enterprise API on 127.0.0.1.</summary>
public sealed class GitHubReleaseTests : IAsyncLifetime
{
    private const string Token = "ghp_kilnTestToken0123456789abcdefABCDEF";

    private FakeGitHub _github = null!;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _github = await FakeGitHub.StartAsync(Token, Cancel);
        _github.Repositories.Add("kiln-images/base");
    }

    public async ValueTask DisposeAsync() => await _github.DisposeAsync();

    [Fact]
    public async Task Creates_the_release_for_a_missing_tag_and_uploads_every_file()
    {
        using var build = new PublishTestBuild(image: "web", source: "qemu");
        var box = build.WriteFile("web.qemu.libvirt.box", 3 * 1024 * 1024 + 1, seed: 4);
        var sums = build.WriteFile("web.qemu.SHA256SUMS", 100, seed: 5);
        var config = Config();

        var artifact = Assert.Single(await Publisher().PublishAsync(
            config, build.State, [PublishTestBuild.ArtifactOf("vagrant", "libvirt", box), PublishTestBuild.ArtifactOf("checksum", "sums", sums)], Cancel));

        var release = Assert.Single(_github.Releases);
        Assert.Equal(("v1.2.3", "Base images 1.2.3", "Built by Kiln", true, "abc123"), (release.Tag, release.Name, release.Body, release.Prerelease, release.TargetCommitish));
        Assert.False(release.Draft);
        Assert.Equal(["web.qemu.libvirt.box", "web.qemu.SHA256SUMS"], release.Assets.Select(a => a.Name));
        Assert.Equal(File.ReadAllBytes(box), release.Assets[0].Content);
        Assert.Equal(File.ReadAllBytes(sums), release.Assets[1].Content);
        Assert.Equal("github-release", artifact.BuilderType);
        Assert.Equal($"{_github.BaseUrl}kiln-images/base/releases/tag/v1.2.3", artifact.Id);
        Assert.Equal(artifact.Id, artifact.Outputs["release_url"]);
        Assert.Equal($"{_github.BaseUrl}kiln-images/base/releases/download/v1.2.3/web.qemu.libvirt.box", artifact.Outputs["download_url"]);
        Assert.Equal(2, artifact.Outputs["download_urls"].Split('\n').Length);
        Assert.Contains("GET /api/v3/repos/kiln-images/base/releases/tags/v1.2.3", _github.Requests);
        Assert.All(_github.AuthorizationHeaders, h => Assert.EndsWith(Token, h, StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_asset_of_the_same_name_is_deleted_then_uploaded_again()
    {
        var release = _github.AddRelease("kiln-images/base", "v1.2.3");
        var old = _github.AddAsset(release, "web.box", [1, 2, 3]);
        var other = _github.AddAsset(release, "notes.txt", [9]);
        using var build = new PublishTestBuild();
        var box = build.WriteFile("web.box", 5000, seed: 6);

        await Publisher().PublishAsync(Config(), build.State, [PublishTestBuild.ArtifactOf("vagrant", "libvirt", box)], Cancel);

        Assert.Single(_github.Releases);
        Assert.Equal(["notes.txt", "web.box"], release.Assets.Select(a => a.Name).Order(StringComparer.Ordinal));
        Assert.Equal(File.ReadAllBytes(box), release.Assets.Single(a => a.Name == "web.box").Content);
        Assert.Contains(other, release.Assets);
        var requests = _github.Requests.ToList();
        var delete = requests.IndexOf($"DELETE /api/v3/repos/kiln-images/base/releases/assets/{old.Id}");
        var upload = requests.FindIndex(r => r.StartsWith($"POST /api/uploads/repos/kiln-images/base/releases/{release.Id}/assets?name=web.box", StringComparison.Ordinal));
        Assert.InRange(delete, 0, upload - 1);
        Assert.DoesNotContain(requests, r => r.StartsWith("POST /api/v3/repos/kiln-images/base/releases", StringComparison.Ordinal));
        Assert.Contains(build.Log.Lines, l => l.Contains("replacing asset web.box", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_draft_release_is_found_through_the_list_instead_of_created_twice()
    {
        var draft = _github.AddRelease("kiln-images/base", "v1.2.3", draft: true);
        using var build = new PublishTestBuild();
        var box = build.WriteFile("web.box", 10);

        await Publisher().PublishAsync(Config(), build.State, [PublishTestBuild.ArtifactOf("vagrant", "libvirt", box)], Cancel);

        Assert.Same(draft, Assert.Single(_github.Releases));
        Assert.Equal("web.box", Assert.Single(draft.Assets).Name);
    }

    [Fact]
    public async Task A_422_from_an_asset_that_appeared_after_listing_is_resolved_by_replacing_it()
    {
        var release = _github.AddRelease("kiln-images/base", "v1.2.3");
        _github.AddAsset(release, "web.box", [1]);
        _github.HideAssetsFromNextListing = true;
        using var build = new PublishTestBuild();
        var box = build.WriteFile("web.box", 2000);

        await Publisher().PublishAsync(Config(), build.State, [PublishTestBuild.ArtifactOf("vagrant", "libvirt", box)], Cancel);

        Assert.Equal(File.ReadAllBytes(box), Assert.Single(release.Assets).Content);
        Assert.Equal(2, _github.Requests.Count(r => r.StartsWith("POST /api/uploads/", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task With_replace_assets_off_an_existing_asset_is_an_error()
    {
        var release = _github.AddRelease("kiln-images/base", "v1.2.3");
        _github.AddAsset(release, "web.box", [1]);
        using var build = new PublishTestBuild();
        var box = build.WriteFile("web.box", 10);

        var error = await Assert.ThrowsAsync<KilnException>(() => Publisher().PublishAsync(
            Config(replace: false), build.State, [PublishTestBuild.ArtifactOf("vagrant", "libvirt", box)], Cancel));

        Assert.Contains("already has an asset named web.box", error.Message, StringComparison.Ordinal);
        Assert.Equal([1], Assert.Single(release.Assets).Content);
    }

    [Fact]
    public async Task A_bad_token_is_a_clear_error_that_never_shows_the_token()
    {
        const string Wrong = "ghp_wrongTokenXYZ987654321";
        using var build = new PublishTestBuild();
        var box = build.WriteFile("web.box", 10);

        var error = await Assert.ThrowsAsync<KilnException>(() => Publisher().PublishAsync(
            Config(token: Wrong), build.State, [PublishTestBuild.ArtifactOf("vagrant", "libvirt", box)], Cancel));

        Assert.Contains("rejected the token (401 Bad credentials)", error.Message, StringComparison.Ordinal);
        Assert.Contains("kiln-images/base", error.Message, StringComparison.Ordinal);
        Assert.NotNull(error.Hint);
        Assert.DoesNotContain(Wrong, error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Wrong, error.Hint, StringComparison.Ordinal);
        Assert.DoesNotContain(build.Log.Lines, l => l.Contains(Wrong, StringComparison.Ordinal));
        Assert.Equal("<sensitive>", build.Context.Redactor.Redact(Wrong));
        Assert.Empty(_github.Releases);
    }

    [Fact]
    public async Task A_missing_repository_is_a_clear_404_error()
    {
        using var build = new PublishTestBuild();
        var box = build.WriteFile("web.box", 10);

        var error = await Assert.ThrowsAsync<KilnException>(() => Publisher().PublishAsync(
            Config(repository: "nope"), build.State, [PublishTestBuild.ArtifactOf("vagrant", "libvirt", box)], Cancel));

        Assert.Contains("repository kiln-images/nope not found", error.Message, StringComparison.Ordinal);
        Assert.Contains("404", error.Message, StringComparison.Ordinal);
        Assert.Contains("GET /api/v3/repos/kiln-images/nope/releases/tags/v1.2.3", _github.Requests);
    }

    [Fact]
    public async Task An_unreachable_api_url_is_a_clear_error()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        using var build = new PublishTestBuild();
        var box = build.WriteFile("web.box", 10);
        var config = Config();
        config = new GitHubReleaseConfig { Owner = config.Owner, Repository = config.Repository, Tag = config.Tag, Token = Token, ApiUrl = $"http://127.0.0.1:{port}/" };

        var error = await Assert.ThrowsAsync<KilnException>(() =>
            Publisher().PublishAsync(config, build.State, [PublishTestBuild.ArtifactOf("vagrant", "libvirt", box)], Cancel));

        Assert.Contains($"could not reach http://127.0.0.1:{port}/", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_token_defaults_to_GITHUB_TOKEN_and_its_absence_is_explained()
    {
        using var build = new PublishTestBuild();
        var box = build.WriteFile("web.box", 10);
        var config = Config(token: null);

        await new PublisherHarness(new GitHubReleasePublisher(name => name == "GITHUB_TOKEN" ? Token : null))
            .PublishAsync(config, build.State, [PublishTestBuild.ArtifactOf("vagrant", "libvirt", box)], Cancel);
        Assert.Equal("web.box", Assert.Single(Assert.Single(_github.Releases).Assets).Name);

        var error = await Assert.ThrowsAsync<KilnException>(() => new PublisherHarness(new GitHubReleasePublisher(_ => null))
            .PublishAsync(config, build.State, [PublishTestBuild.ArtifactOf("vagrant", "libvirt", box)], Cancel));
        Assert.Contains("no token", error.Message, StringComparison.Ordinal);
        Assert.Contains("GITHUB_TOKEN", error.Hint, StringComparison.Ordinal);
    }

    private PublisherHarness Publisher() => new(new GitHubReleasePublisher(_ => null));

    private GitHubReleaseConfig Config(string? token = Token, string repository = "base", bool replace = true) => new()
    {
        Owner = "kiln-images",
        Repository = repository,
        Tag = "v1.2.3",
        Name = "Base images 1.2.3",
        Body = "Built by Kiln",
        Prerelease = true,
        TargetCommitish = "abc123",
        Token = token,
        ApiUrl = _github.BaseUrl,
        ReplaceAssets = replace,
    };

    private sealed class PublisherHarness(IPublisher publisher)
    {
        public Task<IReadOnlyList<Kiln.Model.Artifact>> PublishAsync(
            GitHubReleaseConfig config, Kiln.Engine.BuildState state, IReadOnlyList<Kiln.Model.Artifact> inputs, CancellationToken cancellationToken) =>
            publisher.PublishAsync(config, state, inputs, cancellationToken);
    }
}
