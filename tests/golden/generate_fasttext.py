#!/usr/bin/python3
"""fastText golden fixtures: small language-ID models trained by Debian's
fastText 0.9.2 CLI on Debian's word lists, and what python3-fasttext (the
same C++) answers for them, at full float32 precision.

  /usr/bin/python3 tests/golden/generate_fasttext.py   (npm run golden; setup.sh --golden installs the tools)

Writes tests/golden/fasttext/<name>.bin / .ftz (-thread 1 -seed 1: the same
bytes every run), the demo page's web-demo/langid.ftz (ten languages) and
tests/golden/fasttext_golden.json: per model its
settings, labels, and per text the predictions (every label, and k = 3 with
a threshold), the sentence vector, and per word its subwords, their input
rows and the word vector.
"""
import json
import os
import random
import subprocess
import tempfile

import fasttext

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, 'fasttext')
LANGS = {  # label -> Debian word list
    'en': 'american-english', 'de': 'ngerman', 'fr': 'french', 'es': 'spanish', 'it': 'italian',
    'pl': 'polish', 'uk': 'ukrainian', 'nl': 'dutch', 'sv': 'swedish', 'pt': 'portuguese',
}

# name -> CLI settings; every model: dim 12, small bucket, 5 epochs.
MODELS = {
    'softmax-w1-c0': dict(loss='softmax', wordNgrams=1, minn=0, maxn=0),
    'softmax-w2-c25': dict(loss='softmax', wordNgrams=2, minn=2, maxn=5),
    'hs-w3-c13': dict(loss='hs', wordNgrams=3, minn=1, maxn=3),
    'ova-w2-c34': dict(loss='ova', wordNgrams=2, minn=3, maxn=4),
    'ns-w1-c15': dict(loss='ns', wordNgrams=1, minn=1, maxn=5, neg=5),
    'many-labels-w2-c24': dict(loss='softmax', wordNgrams=2, minn=2, maxn=4, labels='many'),
}
# name -> (model it quantizes, `fasttext quantize` flags)
QUANTIZED = {
    'softmax-w2-c25-q': ('softmax-w2-c25', []),
    'softmax-w2-c25-qnorm-cutoff': ('softmax-w2-c25', ['-qnorm', '-cutoff', '1500', '-retrain', '-epoch', '1']),
    'many-labels-w2-c24-qout': ('many-labels-w2-c24', ['-qout', '-dsub', '4']),
}


def words_of(path):
    with open(path, 'rb') as f:
        raw = f.read()
    try:
        text = raw.decode('utf-8')
    except UnicodeDecodeError:  # wswedish is ISO-8859-1
        text = raw.decode('latin-1')
    return [w for w in (line.strip() for line in text.splitlines()) if w and "'" not in w and ' ' not in w]


def make_data(rng):
    """Training lines and held-out words per language."""
    train, held = [], {}
    for lang, list_name in LANGS.items():
        words = words_of(os.path.join('/usr/share/dict', list_name))
        rng.shuffle(words)
        vocab, held[lang] = words[:600], words[600:700]
        for _ in range(150):
            line = [rng.choice(vocab) for _ in range(rng.randint(2, 8))]
            train.append((lang, line))
    rng.shuffle(train)
    return train, held


def write_train(path, train, many):
    with open(path, 'w', encoding='utf-8') as f:
        for lang, line in train:
            # many labels: 40 per language, from the first word (-qout needs 256).
            label = f'{lang}{sum(map(ord, line[0])) % 40}' if many else lang
            f.write(f'__label__{label} {" ".join(line)}\n')


def make_langid(rng, path):
    """The demo page's model: more words and lines per language, char n-grams 2..5, 25 epochs."""
    lines = []
    for lang, list_name in LANGS.items():
        words = words_of(os.path.join('/usr/share/dict', list_name))
        rng.shuffle(words)
        for _ in range(1500):
            lines.append(f'__label__{lang} ' + ' '.join(rng.choice(words[:6000]) for _ in range(rng.randint(1, 6))))
    rng.shuffle(lines)
    with open(path, 'w', encoding='utf-8') as f:
        f.write('\n'.join(lines) + '\n')


def texts_for(held, rng):
    texts = []
    for lang, words in held.items():
        texts.append(' '.join(rng.sample(words, 4)))
        texts.append(words[10])
    texts += [
        '', '   \t ', 'qzxv blorft', 'Haus\tMaus\vKatze\fHund\rBaum', 'eins\x00zwei',
        'ein Wort\u00a0mit NBSP', '__label__de nicht ein Label', 'vor </s> nach',
        'x' * 3000, 'ÄÖÜ ß łódź żółw їжак ґанок', 'über Straße Łódź', '  leading and trailing  ',
    ]
    return texts


def floats(values):
    return [float(v) for v in values]


def model_cases(model, texts, words):
    cases = []
    for text in texts:
        labels, probs = model.predict(text, k=-1, threshold=0.0)
        labels3, probs3 = model.predict(text, k=3, threshold=0.05)
        cases.append({
            'text': text,
            'all': [[l, float(p)] for l, p in zip(labels, probs)],
            'top3': [[l, float(p)] for l, p in zip(labels3, probs3)],
            'sentence_vector': floats(model.get_sentence_vector(text)),
        })
    word_cases = []
    for word in words:
        subwords, ids = model.get_subwords(word)
        word_cases.append({
            'word': word, 'subwords': list(subwords), 'ids': [int(i) for i in ids],
            'vector': floats(model.get_word_vector(word)),
        })
    return cases, word_cases


def main():
    rng = random.Random(1)
    os.makedirs(OUT, exist_ok=True)
    train, held = make_data(rng)
    texts = texts_for(held, rng)
    words = [held['de'][0], held['uk'][1], held['pl'][2], 'Haus', 'qzxv', '</s>', 'ß', 'a', 'x' * 300]
    golden = {'about': __doc__.strip().splitlines()[0], 'models': []}
    with tempfile.TemporaryDirectory() as tmp:
        for many in (False, True):
            write_train(os.path.join(tmp, f'train{int(many)}.txt'), train, many)
        for name, s in MODELS.items():
            many = s.get('labels') == 'many'
            cmd = ['fasttext', 'supervised', '-input', os.path.join(tmp, f'train{int(many)}.txt'),
                   '-output', os.path.join(OUT, name), '-dim', '12', '-bucket', '4000', '-epoch', '5',
                   '-lr', '0.5', '-thread', '1', '-seed', '1', '-verbose', '0',
                   '-loss', s['loss'], '-wordNgrams', str(s['wordNgrams']), '-minn', str(s['minn']), '-maxn', str(s['maxn'])]
            if 'neg' in s:
                cmd += ['-neg', str(s['neg'])]
            subprocess.run(cmd, check=True)
            os.remove(os.path.join(OUT, name + '.vec'))
        # The demo page's language ID (web-demo/langid.ftz), checked like the others.
        make_langid(rng, os.path.join(tmp, 'langid.txt'))
        prefix = os.path.join(tmp, 'langid')
        subprocess.run(['fasttext', 'supervised', '-input', prefix + '.txt', '-output', prefix, '-dim', '16',
                        '-bucket', '40000', '-epoch', '25', '-lr', '1.0', '-minn', '2', '-maxn', '5', '-thread', '1',
                        '-seed', '1', '-verbose', '0'], check=True)
        subprocess.run(['fasttext', 'quantize', '-input', prefix + '.txt', '-output', prefix, '-qnorm', '-cutoff', '30000',
                        '-retrain', '-epoch', '5', '-thread', '1', '-seed', '1', '-verbose', '0'], check=True)
        os.replace(prefix + '.ftz', os.path.join(HERE, '..', '..', 'web-demo', 'langid.ftz'))
        for name, (base, flags) in QUANTIZED.items():
            many = base.startswith('many')
            prefix = os.path.join(tmp, name)
            for ext in ('.bin',):
                with open(os.path.join(OUT, base + ext), 'rb') as src, open(prefix + ext, 'wb') as dst:
                    dst.write(src.read())
            subprocess.run(['fasttext', 'quantize', '-input', os.path.join(tmp, f'train{int(many)}.txt'),
                            '-output', prefix, '-thread', '1', '-seed', '1', '-verbose', '0'] + flags, check=True)
            os.replace(prefix + '.ftz', os.path.join(OUT, name + '.ftz'))
        for name in list(MODELS) + list(QUANTIZED) + ['langid']:
            file = '../../../web-demo/langid.ftz' if name == 'langid' else name + ('.ftz' if name in QUANTIZED else '.bin')
            model = fasttext.load_model(os.path.join(OUT, file))
            cases, word_cases = model_cases(model, texts, words)
            args = model.f.getArgs()
            golden['models'].append({
                'name': name, 'file': file, 'quantized': model.is_quantized(),
                'args': {'dim': args.dim, 'loss': str(args.loss).split('.')[-1], 'wordNgrams': args.wordNgrams,
                         'minn': args.minn, 'maxn': args.maxn, 'bucket': args.bucket},
                'labels': list(model.labels), 'nwords': len(model.words),
                'texts': cases, 'words': word_cases,
            })
    with open(os.path.join(HERE, 'fasttext_golden.json'), 'w', encoding='utf-8') as f:
        json.dump(golden, f, ensure_ascii=False, separators=(',', ':'))
        f.write('\n')
    print('wrote', len(golden['models']), 'models')


if __name__ == '__main__':
    main()
