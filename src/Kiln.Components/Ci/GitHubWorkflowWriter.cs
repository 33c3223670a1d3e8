using System.Text;

namespace Kiln.Components.Ci;

/// <summary>
/// Writes <c>.github/workflows/images.yml</c>: a compile/test job (all that pull requests run), one matrix job per
/// wave of image builds, and a publish job that merges the per-build manifests. Secrets appear by name only.
/// </summary>
public static class GitHubWorkflowWriter
{
    /// <summary>The first steps of every job: the repository and the SDK that global.json names.</summary>
    private const string Toolchain = """
              - uses: actions/checkout@v4
              - uses: actions/setup-dotnet@v4
                with:
                  global-json-file: global.json

        """;

    /// <summary>The NuGet cache of the jobs that restore packages, keyed by what decides the package set.</summary>
    private const string NuGetCache = """
              - uses: actions/cache@v4
                with:
                  path: .nuget/packages
                  key: nuget-${{ runner.os }}-${{ hashFiles('Directory.Packages.props', 'global.json') }}

        """;

    /// <summary>What the matrix entry's build runs on the host, as its plugins declare it (hosted runners have none of it).</summary>
    private const string InstallHostTools = """
              - name: Install host tools
                if: matrix.packages != ''
                run: sudo apt-get update && sudo apt-get install -y --no-install-recommends ${{ matrix.packages }}

        """;

    /// <summary>
    /// GitHub's documented udev rule that opens /dev/kvm to the runner's user where the runner offers it; Kiln's
    /// accelerator probe still falls back to TCG where it does not, or where KVM does not really work.
    /// </summary>
    private const string EnableKvm = """
              - name: Enable KVM where the runner offers it
                run: |
                  if [ -e /dev/kvm ]; then
                    echo 'KERNEL=="kvm", GROUP="kvm", MODE="0666", OPTIONS+="static_node=kvm"' | sudo tee /etc/udev/rules.d/99-kvm4all.rules
                    sudo udevadm control --reload-rules
                    sudo udevadm trigger --name-match=kvm
                  fi

        """;

    public static string Write(CiPlan plan, string regenerateCommand)
    {
        var y = new StringBuilder();
        y.Append(GeneratedHeader.For(regenerateCommand));
        y.Append($$$"""
            name: images

            on:
              push:
                branches: [main]
                tags: ['v*']
              pull_request:
              workflow_dispatch:

            env:
              DOTNET_NOLOGO: 'true'
              DOTNET_CLI_TELEMETRY_OPTOUT: 'true'
              NUGET_PACKAGES: ${{ github.workspace }}/.nuget/packages
              KILN_CACHE: ${{ github.workspace }}/.cache/kiln

            jobs:
              build:
                name: Compile, test, validate
                runs-on: ubuntu-latest
                steps:

            """);
        y.Append(Toolchain).Append(NuGetCache);
        y.Append($"      - run: {plan.BuildScript} Test ValidateImages --templates {plan.Templates}\n");
        string previous = "build";
        var allJobs = new List<string> { "build" };
        foreach (var wave in plan.Waves)
        {
            y.Append($$$"""
                  {{{wave.JobId}}}:
                    name: Images ${{ matrix.image }} / ${{ matrix.source }}
                    needs: [{{{previous}}}]
                    if: github.event_name != 'pull_request'
                    runs-on: ubuntu-latest
                    strategy:
                      fail-fast: false
                      matrix:
                        include:

                """);
            foreach (var build in wave.Builds)
            {
                y.Append($"          - {{ image: {build.Image}, source: {build.Source}, packages: '{build.PackageList}' }}\n");
            }

            AppendSecrets(y, wave.Secrets);

            y.Append("    steps:\n").Append(Toolchain).Append(NuGetCache).Append(InstallHostTools);
            if (wave.Builds.Any(build => build.UsesQemu))
            {
                y.Append(EnableKvm);
            }

            y.Append($$$"""
                      - uses: actions/cache@v4
                        with:
                          path: .cache/kiln
                          key: kiln-${{ runner.os }}-${{ matrix.image }}-${{ matrix.source }}-${{ hashFiles('{{{plan.Templates}}}/**') }}
                          restore-keys: kiln-${{ runner.os }}-${{ matrix.image }}-${{ matrix.source }}-

                """);
            if (wave.Number > 1)
            {
                y.Append(MergeDownloadedOutputs(plan.BuildScript));
            }

            y.Append($$$"""
                      - run: {{{plan.BuildScript}}} BuildImages --templates {{{plan.Templates}}} --image ${{ matrix.image }} --only ${{ matrix.source }} --output output/images
                      - uses: actions/upload-artifact@v4
                        with:
                          name: image-${{ matrix.image }}-${{ matrix.source }}
                          path: output/images
                          if-no-files-found: error

                """);
            previous = wave.JobId;
            allJobs.Add(wave.JobId);
        }

        y.Append($$$"""
              publish:
                name: Merge manifests and publish
                needs: [{{{string.Join(", ", allJobs)}}}]
                if: github.event_name != 'pull_request'
                runs-on: ubuntu-latest

            """);
        var allSecrets = plan.Waves.SelectMany(w => w.Secrets).Distinct().OrderBy(s => s.EnvironmentVariable, StringComparer.Ordinal).ToList();
        AppendSecrets(y, allSecrets);

        y.Append("    steps:\n").Append(Toolchain).Append(MergeDownloadedOutputs(plan.BuildScript));
        y.Append("""
                  - uses: actions/upload-artifact@v4
                    with:
                      name: images
                      path: output/images
                      if-no-files-found: error

            """);
        return y.ToString();
    }

    /// <summary>Steps that fetch the outputs earlier image jobs uploaded and merge them into one output and manifest.</summary>
    private static string MergeDownloadedOutputs(string buildScript) => $"""
              - uses: actions/download-artifact@v4
                with:
                  pattern: image-*
                  path: output/ci-inputs
              - run: {buildScript} MergeManifests --ci-inputs output/ci-inputs --output output/images

        """;

    private static void AppendSecrets(StringBuilder y, IReadOnlyList<CiSecret> secrets)
    {
        if (secrets.Count == 0)
        {
            return;
        }

        y.Append("    env:\n");
        foreach (var secret in secrets)
        {
            y.Append($"      {secret.EnvironmentVariable}: ${{{{ secrets.{secret.SecretName} }}}}\n");
        }
    }
}
