using System.Text.Json;
using Docker.DotNet.Models;
using Kiln.Consoles;
using Kiln.Definitions;
using Kiln.Plugins;
using Kiln.Sessions;
using Kiln.Testing;

namespace Kiln.IntegrationTests.Docker;

/// <summary>
/// A definition file as users write it, with the example's provisioners (minus the package installs, which need a
/// network), built by the session like <c>./build.sh BuildImages</c> does: load, resolve, build, verify, publish.
/// </summary>
[Collection(DockerEngineCollection.Name)]
public sealed class DockerDefinitionTests(DockerEngineFixture engine) : IDisposable
{
    private const string SiteToken = "site-token-5d1e0c";
    private readonly string _directory = Directory.CreateTempSubdirectory("kiln-docker-def-").FullName;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task A_definition_builds_verifies_and_pushes_a_container_image_that_pulls_back_by_digest()
    {
        var tag = $"kiln-test/site:{Guid.NewGuid():N}";
        Directory.CreateDirectory(Path.Combine(_directory, "site", "css"));
        await File.WriteAllTextAsync(Path.Combine(_directory, "site", "index.html"), "<h1>hello from kiln</h1>\n", Token);
        await File.WriteAllTextAsync(Path.Combine(_directory, "site", "css", "site.css"), "h1 { color: red }\n", Token);
        await File.WriteAllTextAsync(Path.Combine(_directory, "site.kiln.yaml"), $$$"""
            name: site
            variables:
              version: { type: string, default: "1.0.0" }
              site_token: { type: string, sensitive: true }
              registry_password: { type: string, sensitive: true }
            sources:
              container:
                type: docker
                rootfs_tarball: {{{engine.BaseTarball}}}
                docker_host: {{{engine.Host}}}
                network_mode: none
                changes:
                  - 'CMD ["/bin/sh", "-c", "cat /var/www/html/index.html /etc/site-version"]'
                  - 'LABEL org.opencontainers.image.version="{{ var.version }}"'
                tags: ["{{{tag}}}"]
            provision:
              - file: { source: site/, destination: /var/www/html }
              - shell:
                  inline: ["echo \"$SITE_TOKEN\" > /etc/site-token", "echo {{ var.version }} > /etc/site-version"]
                  env: { SITE_TOKEN: "{{ var.site_token }}" }
            verify:
              - shell: { inline: ["grep -q 'hello from kiln' /var/www/html/index.html", "test -s /var/www/html/css/site.css"] }
            publish:
              - docker-push:
                  username: {{{DockerEngineFixture.RegistryUser}}}
                  password: "{{ var.registry_password }}"
                  repository: {{{engine.Registry}}}/team/site
                  tags: ["{{ var.version }}"]
            """, Token);
        var set = DefinitionLoader.Load(
            _directory,
            new VariableInputs
            {
                Environment = new Dictionary<string, string>
                {
                    ["KILN_VAR_site_token"] = SiteToken,
                    ["KILN_VAR_registry_password"] = DockerEngineFixture.RegistryPassword,
                },
            },
            PluginCatalog.Default);
        Assert.Empty(set.Validate());
        var output = new StringWriter();
        var options = new BuildSessionOptions
        {
            OutputDirectory = Path.Combine(_directory, "out"),
            WorkDirectory = Path.Combine(_directory, "work"),
            Ledger = new MemoryLedger(),
            Console = new PlainBuildConsole(output, new PlainConsoleOptions { Verbose = true }),
            Interaction = new NonInteractive(),
            Redactor = set.Redactor,
        };
        var planned = new PlannedImage
        {
            Name = "site",
            Sources = ["container"],
            Resolve = (_, _) => Task.FromResult(set.Resolve("site", new BuildScope { RunId = options.RunId, OutputDirectory = s => Path.Combine(options.OutputDirectory, "site", s) })),
        };

        var result = Assert.Single(await new ImageBuildSession([planned], options).RunAsync(Token));

        var log = output.ToString();
        try
        {
            Assert.True(result.Succeeded, $"{result.Reason}\n{result.Hint}\n{log}");
            Assert.True(result.Checks is [{ Passed: true }], string.Join("; ", result.Checks));
            var pushed = Assert.Single(result.Artifacts, a => a.CustomData.ContainsKey("digest"));
            var digest = pushed.CustomData["digest"];
            Assert.DoesNotContain(SiteToken, log, StringComparison.Ordinal);
            Assert.DoesNotContain(DockerEngineFixture.RegistryPassword, log, StringComparison.Ordinal);
            Assert.DoesNotContain(DockerEngineFixture.RegistryPassword, JsonSerializer.Serialize(result.Artifacts), StringComparison.Ordinal);
            Assert.Empty(((MemoryLedger)options.Ledger).Open);
            Assert.Empty(await DockerTestBuild.LeftoversAsync(engine, options.RunId, Token));

            var local = await engine.DockerAsync($"run --rm --network none {tag}", Token);
            Assert.Equal("<h1>hello from kiln</h1>\n1.0.0\n", local.Output);
            var token = await engine.DockerAsync($"run --rm --network none {tag} cat /etc/site-token", Token);
            Assert.Equal(SiteToken, token.Output.Trim());

            // Pulled back by digest into an engine that has forgotten the pushed tag.
            var repository = $"{engine.Registry}/team/site";
            Assert.Equal(0, (await engine.DockerAsync($"rmi {repository}:1.0.0", Token)).ExitCode);
            Assert.Equal(0, (await engine.DockerAsync($"login -u {DockerEngineFixture.RegistryUser} -p {DockerEngineFixture.RegistryPassword} {engine.Registry}", Token)).ExitCode);
            var pull = await engine.DockerAsync($"pull {repository}@{digest}", Token);
            Assert.True(pull.ExitCode == 0, pull.All);
            var pulled = await engine.DockerAsync($"run --rm --network none {repository}@{digest}", Token);
            Assert.Equal(local.Output, pulled.Output);
            using var client = engine.CreateClient();
            var inspected = await client.Images.InspectImageAsync($"{repository}@{digest}", Token);
            Assert.Equal("1.0.0", inspected.Config!.Labels!["org.opencontainers.image.version"]);
        }
        finally
        {
            using var client = engine.CreateClient();
            foreach (var image in new[] { tag, $"{engine.Registry}/team/site" })
            {
                var found = await client.Images.ListImagesAsync(new ImagesListParameters { Filters = new Dictionary<string, IDictionary<string, bool>> { ["reference"] = new Dictionary<string, bool> { [image] = true } } }, CancellationToken.None);
                foreach (var i in found)
                {
                    await client.Images.DeleteImageAsync(i.ID, new ImageDeleteParameters { Force = true }, CancellationToken.None);
                }
            }
        }
    }
}
