use super::*;

#[test]
fn scratch() {
    let cases = [
        "id = \"x\"\n[[steps]]\nid = \"a\"\nowner = \"pm\"\nkind = \"comand\"\nreqires = []\n[[steps]]\nid = \"a\"\nowner = \"techlead\"\nrequires = [\"b\", \"imact\"]\n",
        "id = \"x\"\n[[steps]\nid = \"a\"\nowner = 3\n\nfoo = = 2\n",
        "id = \"x\"\nid = \"y\"\n",
        "",
        "id = \"x\"\nsteps = []\n",
        "id = \"x\"\n[steps]\nid = 'a'\n",
        "id = \"x\"\n[[steps]]\nid = \"a\"\nowner = \"pm\"\nrequires = [\"b\"]\n[[steps]]\nid = \"b\"\nowner = \"pm\"\nrequires = [\"a\"]\n[[steps]]\nid = \"c\"\nowner = \"pm\"\nrequires = [\"c\"]\nkind = \"command\"\n[[steps]]\nid = \"Bad Id\"\nowner = \"pm\"\nkind = \"signoff\"\ntimeout = \"5 parsecs\"\n",
    ];
    for c in cases {
        match parse(c, Origin::File("f.toml".into())) {
            Ok(p) => println!("OK {p:?}"),
            Err(e) => println!("{e}\n---"),
        }
    }
}
