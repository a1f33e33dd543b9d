namespace Preflight.Imaging.Tests.Robustness;

/// <summary>The sweep is only worth something if its checks can fail: each kind of misbehaviour is caught.</summary>
public sealed class BoundedSelfTests
{
    private static readonly Type[] Allowed = [typeof(ImageFormatException)];

    [Fact]
    public void The_layer_exception_counts_as_a_rejection()
    {
        Assert.Null(Bounded.Run(() => throw new ImageFormatException("x", 0, "bad"), Allowed, TimeSpan.FromSeconds(5), 1 << 20, out bool rejected));
        Assert.True(rejected);
    }

    [Fact]
    public void Another_exception_type_is_a_failure()
    {
        string? failure = Bounded.Run(() => throw new IndexOutOfRangeException(), Allowed, TimeSpan.FromSeconds(5), 1 << 20, out _);
        Assert.Contains("IndexOutOfRangeException", failure);
    }

    [Fact]
    public void A_bug_wrapped_in_the_layer_exception_is_a_failure()
    {
        string? failure = Bounded.Run(() => throw new ImageFormatException("x", 0, "corrupt", new IndexOutOfRangeException()),
            Allowed, TimeSpan.FromSeconds(5), 1 << 20, out _);
        Assert.Contains("a bug hides inside it (System.IndexOutOfRangeException", failure);
    }

    [Fact]
    public void A_bug_deeper_in_the_chain_is_a_failure()
    {
        var wrapped = new InvalidDataException("bad block", new KeyNotFoundException());
        string? failure = Bounded.Run(() => throw new ImageFormatException("x", 0, "corrupt", wrapped), Allowed, TimeSpan.FromSeconds(5), 1 << 20, out _);
        Assert.Contains("KeyNotFoundException", failure);
    }

    [Fact]
    public void A_bug_thrown_by_our_code_inside_the_layer_exception_is_a_failure()
    {
        string? failure = Bounded.Run(() =>
        {
            try
            {
                _ = new Dictionary<string, int>()["missing"];
            }
            catch (KeyNotFoundException e)
            {
                throw new ImageFormatException("x", 0, "corrupt", e);
            }
        }, Allowed, TimeSpan.FromSeconds(5), 1 << 20, out _);
        Assert.Contains("a bug hides inside it (System.Collections.Generic.KeyNotFoundException", failure);
    }

    [Fact]
    public void An_honest_cause_inside_the_layer_exception_is_a_rejection()
    {
        string? failure = Bounded.Run(() => throw new ImageFormatException("x", 0, "corrupt", new InvalidDataException("bad checksum")),
            Allowed, TimeSpan.FromSeconds(5), 1 << 20, out bool rejected);
        Assert.Null(failure);
        Assert.True(rejected);
    }

    [Fact]
    public void A_hang_is_a_failure()
    {
        using var release = new ManualResetEventSlim();
        string? failure = Bounded.Run(() => release.Wait(), Allowed, TimeSpan.FromMilliseconds(200), 1 << 20, out _);
        release.Set();
        Assert.Contains("a hang", failure);
    }

    [Fact]
    public void An_allocation_over_the_cap_is_a_failure()
    {
        string? failure = Bounded.Run(() => GC.KeepAlive(new byte[8 << 20]), Allowed, TimeSpan.FromSeconds(5), 1 << 20, out _);
        Assert.Contains("over the cap", failure);
    }

    [Fact]
    public void The_same_seed_makes_the_same_mutations()
    {
        byte[] data = Enumerable.Range(0, 4096).Select(i => (byte)i).ToArray();
        Region[] regions = [new(0, 512), new(2048, 100)];
        string first = string.Join("|", MutationPlan.Make(data, regions, MutationPlan.Field, 7, 50));
        string second = string.Join("|", MutationPlan.Make(data, regions, MutationPlan.Field, 7, 50));
        Assert.Equal(first, second);
    }
}
