using Kiln.Targets;

return await KilnHost.RunAsync<SampleBuild>(args, build => build.Hello);

internal sealed class SampleBuild : KilnBuild
{
    [Parameter("Printed through Console, so the host must redact it."), Secret]
    public string? Token { get; set; }

    public Target Hello => _ => _
        .Description("Prints a greeting.")
        .Executes(() => Console.WriteLine($"hello, token {Token}"));

    /// <summary>Waits until cancelled, then cleans up; the test signals the process once it has printed WAITING.</summary>
    private Target Wait => _ => _.Executes(async cancellationToken =>
    {
        Console.WriteLine("WAITING");
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        finally
        {
            Console.WriteLine("CLEANED UP");
        }
    });

    private Target AfterWait => _ => _.DependsOn(Wait).Executes(() => Console.WriteLine("must not run"));

    [Parameter("A file Flood writes once standard output is full.")]
    public string? ReadyFile { get; set; }

    private Target Chatter => _ => _.Executes(() => global::Chatter.Run(Session, threads: 8, lines: 1000, secret: Token ?? "chatter-5ecret"));

    private Target Flood => _ => _.Requires(() => ReadyFile).Executes(cancellationToken => global::Chatter.FloodThenWaitAsync(ReadyFile!, cancellationToken));

    /// <summary>Prints nothing for three seconds: the stall watchdog must say so.</summary>
    private Target Quiet => _ => _.Executes(cancellationToken => Task.Delay(TimeSpan.FromSeconds(3), cancellationToken));

    private Target Fail => _ => _.Executes(() => throw new InvalidOperationException("broken on purpose"));
}
