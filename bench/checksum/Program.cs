using System.Diagnostics;
using System.Globalization;
using Kiln.Definitions;
using Kiln.Engine;
using Kiln.Model;
using Kiln.Publishers;
using Kiln.Testing;

// Usage: Kiln.Bench.Checksum <file>. Prints "<sha256> <seconds>" after hashing the file with the checksum publisher.
if (args.Length != 1 || !File.Exists(args[0]))
{
    await Console.Error.WriteLineAsync("usage: Kiln.Bench.Checksum <file>");
    return 2;
}

var file = Path.GetFullPath(args[0]);
var work = Directory.CreateTempSubdirectory("kiln-bench-checksum-").FullName;
try
{
    var context = TestBuild.Context(new BenchSource(), workDirectory: work);
    var state = new BenchState(context);
    var input = new Artifact { BuilderType = "qemu", Id = file, Files = [new ArtifactFile(file, new FileInfo(file).Length)] };
    var config = new ChecksumConfig { Types = [ChecksumType.Sha256], Output = Path.Combine(work, "SHA256SUMS") };
    IPublisher publisher = new ChecksumPublisher();
    var watch = Stopwatch.StartNew();
    var artifacts = await publisher.PublishAsync(config, state, [input], CancellationToken.None);
    var seconds = watch.Elapsed.TotalSeconds;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{artifacts[0].Outputs["sha256"]} {seconds:F3}"));
    return 0;
}
finally
{
    Directory.Delete(work, recursive: true);
}

internal sealed class BenchSource : SourceConfig;

internal sealed class BenchState(BuildContext context) : BuildState(context);
