package io.kvcourier.channel;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.lang.classfile.ClassFile;
import java.lang.classfile.Signature;
import java.lang.classfile.attribute.SignatureAttribute;
import java.lang.classfile.constantpool.PoolEntry;
import java.lang.classfile.constantpool.Utf8Entry;
import java.lang.constant.ClassDesc;
import java.lang.constant.ConstantDescs;
import java.lang.constant.MethodTypeDesc;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Channels depend on nothing in {@code pd}: the adapter fills {@link ChannelSettings} and passes it down. Reads the
 * compiled classes of {@code io/kvcourier/channel/**} with the ClassFile API and fails on any constant-pool entry
 * (class entries, field and method descriptors, generic signatures: all are UTF-8 entries) that names a class of
 * {@code io/kvcourier/pd/}.
 */
@Timeout(60)
class ChannelLayeringTest {
    private static final String PD = "io/kvcourier/pd/";

    @Test
    void noChannelClassRefersToAnAdapterClass() throws IOException {
        Path channel = mainClasses().resolve("io/kvcourier/channel");
        Map<String, SortedSet<String>> offenders = new TreeMap<>();
        List<Path> classFiles;
        try (Stream<Path> files = Files.walk(channel)) {
            classFiles = files.filter(p -> p.toString().endsWith(".class")).sorted().toList();
        }
        for (Path f : classFiles) {
            SortedSet<String> refs = referencesTo(PD, Files.readAllBytes(f));
            if (!refs.isEmpty()) {
                offenders.put(channel.relativize(f).toString(), refs);
            }
        }
        assertThat(classFiles).as("the scan reads every channel package")
                .contains(channel.resolve("TransferChannels.class"), channel.resolve("MockMemoryChannel.class"),
                        channel.resolve("tcp/TcpReceiver.class"), channel.resolve("verbs/VerbsSender.class"));
        assertThat(offenders).as("channel classes (under %s) that refer to %s classes", channel, PD).isEmpty();
    }

    @Test
    void theScanFindsAReferenceInACompiledAdapterClass() throws IOException {
        // ChannelSettingsOf is the one place pd maps its configuration onto ChannelSettings.
        byte[] bytes = Files.readAllBytes(mainClasses().resolve("io/kvcourier/pd/ChannelSettingsOf.class"));
        assertThat(referencesTo(PD, bytes)).contains("io/kvcourier/pd/PdL2AdapterConfig");
        assertThat(referencesTo("io/kvcourier/channel/", bytes)).contains("io/kvcourier/channel/ChannelSettings");
    }

    @Test
    void theScanFindsReferencesThatAppearOnlyInDescriptors() {
        // No class entry names these types: only a method descriptor, a field descriptor and a generic signature.
        byte[] bytes = ClassFile.of().build(ClassDesc.of("io.kvcourier.channel.Synthetic"), cb -> cb
                .withMethodBody("open", MethodTypeDesc.of(ConstantDescs.CD_void,
                        ClassDesc.of("io.kvcourier.pd.PdL2AdapterConfig")), ClassFile.ACC_STATIC,
                        code -> code.return_())
                .withField("role", ClassDesc.of("io.kvcourier.pd.Role"), ClassFile.ACC_PRIVATE)
                .withField("kinds", ConstantDescs.CD_List, fb -> fb
                        .with(SignatureAttribute.of(
                                Signature.parseFrom("Ljava/util/List<Lio/kvcourier/pd/Held;>;"))))
                .withField("other", ClassDesc.of("io.kvcourier.pdx.NotAdapter"), ClassFile.ACC_PRIVATE));
        assertThat(referencesTo(PD, bytes)).containsExactly(
                "io/kvcourier/pd/Held", "io/kvcourier/pd/PdL2AdapterConfig", "io/kvcourier/pd/Role");
    }

    /** The internal names of the classes under {@code prefix} that a class file's constant pool mentions. */
    static SortedSet<String> referencesTo(String prefix, byte[] classFile) {
        Pattern name = Pattern.compile(Pattern.quote(prefix) + "[\\w$/]+");
        SortedSet<String> found = new TreeSet<>();
        for (PoolEntry e : ClassFile.of().parse(classFile).constantPool()) {
            if (e instanceof Utf8Entry utf8) {
                Matcher m = name.matcher(utf8.stringValue());
                while (m.find()) {
                    found.add(m.group());
                }
            }
        }
        return found;
    }

    /** target/classes of this module, where the main classes were compiled to. */
    private static Path mainClasses() {
        try {
            Path p = Path.of(ChannelSettings.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            assertThat(p).as("main classes must be a directory (run from the module's build)").isDirectory();
            return p;
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
