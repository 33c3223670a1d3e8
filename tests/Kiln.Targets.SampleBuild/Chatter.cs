using Kiln.Consoles;
using Kiln.Secrets;
using Spectre.Console;

/// <summary>
/// Many threads writing at once through every output path a build has: the host's lines (plain and styled),
/// Console.Out and Console.Error whole and in pieces, Spectre directly, and the image build console (plain or live).
/// Two of these paths once took two console locks in opposite orders and hung the process.
/// </summary>
internal static class Chatter
{
    public static void Run(Kiln.Targets.BuildSession session, int threads, int lines, string secret)
    {
        var redactor = new Redactor();
        redactor.Add(secret);
        var (console, _) = BuildConsoles.ForCurrentProcess();
        var workers = Enumerable.Range(0, threads).Select(number => new Thread(() =>
        {
            var log = console.CreateLog($"thread{number}", redactor);
            for (var i = 0; i < lines; i++)
            {
                var tag = $"t{number}-{i}";
                switch (i % 7)
                {
                    case 0: session.Info($"host {tag}"); break;
                    case 1: session.Warning($"styled {tag}"); break;
                    case 2: Console.WriteLine($"out {tag} {secret}"); break;
                    case 3: Console.Error.WriteLine($"err {tag}"); break;
                    case 4:
                        Console.Write("pieces ");
                        Console.Write(tag);
                        Console.WriteLine();
                        break;
                    case 5: AnsiConsole.MarkupLine($"spectre {Markup.Escape(tag)}"); break;
                    default: log.Info($"log {tag}"); break;
                }
            }
            Console.WriteLine($"thread {number} done");
        })).ToList();
        workers.ForEach(worker => worker.Start());
        workers.ForEach(worker => worker.Join());
        console.Summary([]);
        if (console is IAsyncDisposable live)
        {
            live.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        Console.WriteLine("CHATTER DONE");
    }

    /// <summary>Fills standard output far past a pipe's buffer, then waits to be cancelled.</summary>
    public static async Task FloodThenWaitAsync(string readyFile, CancellationToken cancellationToken)
    {
        var line = new string('x', 1000);
        for (var i = 0; i < 2000; i++)
        {
            Console.WriteLine(line);
        }

        await File.WriteAllTextAsync(readyFile, "flooded", cancellationToken);
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        finally
        {
            File.WriteAllText(readyFile + ".cleaned", "cleaned up");
        }
    }
}
