using Kiln.Components;
using Kiln.Targets;
using Spectre.Console.Testing;

namespace Kiln.Tests.Images;

/// <summary>ValidateImages prints a deprecated key's warning with its file:line:col, and the definition still validates.</summary>
public sealed class DeprecatedKeyWarningTests : IDisposable
{
    private readonly DirectoryInfo _repository = Directory.CreateTempSubdirectory("kiln-deprecated-");

    public void Dispose() => _repository.Delete(recursive: true);

    [Fact]
    public async Task ValidateImages_warns_at_the_former_key_and_succeeds()
    {
        var root = _repository.FullName;
        Directory.CreateDirectory(Path.Combine(root, ".git"));
        var definition = Path.Combine(root, "templates", "web.kiln.yaml");
        Directory.CreateDirectory(Path.GetDirectoryName(definition)!);
        await File.WriteAllTextAsync(definition, """
            name: web
            sources:
              local: { type: qemu, base: { bootstrap: { suite: bookworm } } }
            publish:
              - shell-local: { command: "true", environment: { A: "1" } }
            """, TestContext.Current.CancellationToken);
        var console = new TestConsole().Width(400);
        var host = new BuildHost(console, new HostEnvironment(new Dictionary<string, string>(), root, isTerminal: false));

        var exitCode = await host.RunAsync(new ImagesBuild(), ["ValidateImages", "--no-logo"], cancellationToken: TestContext.Current.CancellationToken)
            .WaitAsync(TimeSpan.FromMinutes(2), TestContext.Current.CancellationToken);

        Assert.True(exitCode == 0, console.Output);
        Assert.Contains($"{definition}:5:37: warning: 'environment' in publisher 'shell-local' is deprecated: the key is now 'env'", console.Output, StringComparison.Ordinal);
    }

    private sealed class ImagesBuild : KilnBuild, IKilnImages
    {
        public Target Compile => _ => _.Executes(() => { });
    }
}
